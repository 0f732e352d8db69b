import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Certificates made with the openssl command line: the embedded control plane's throw-away CA
 * (tools/controlplane/pki.ts), the local ingress CA of `bonsai up` (cli/up/local-tls.ts) and the benchmarks'
 * self-signed webhook certificate. RSA-2048 keys throughout, unencrypted (they live in private directories).
 */

export interface CertFiles {
  cert: string;
  key: string;
}

/** Runs openssl in `cwd`; its own message when it fails, a clear one when it is not installed. */
export function openssl(args: string[], cwd: string): void {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
  } catch (err) {
    const e = err as { stderr?: Buffer; code?: string };
    if (e.code === "ENOENT")
      throw new Error(
        "openssl is required to generate certificates (control plane, ingress CA) but was not found on PATH",
      );
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.toString().trim()}`);
  }
}

/**
 * `<name>.crt` and `<name>.key` in `dir`: a self-signed certificate (a CA, or a server certificate its clients
 * trust as their CA). `addext` are openssl `-addext` values, e.g. basicConstraints or subjectAltName.
 */
export function selfSigned(
  dir: string,
  cert: { name: string; subject: string; days: number; addext?: string[] },
): CertFiles {
  const files = { cert: join(dir, `${cert.name}.crt`), key: join(dir, `${cert.name}.key`) };
  openssl(
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", files.key, "-out", files.cert, "-days"].concat([
      String(cert.days),
      "-subj",
      cert.subject,
      ...(cert.addext ?? []).flatMap(e => ["-addext", e]),
    ]),
    dir,
  );
  return files;
}

/**
 * `<name>.crt` and `<name>.key` in `dir`, signed by `ca`; `extensions` is the extfile's text (subjectAltName,
 * extendedKeyUsage, keyUsage), written to `<name>.ext`. The CA's serial file (`-CAcreateserial`) sits beside it.
 */
export function issueCert(
  dir: string,
  ca: CertFiles,
  cert: { name: string; subject: string; days: number; extensions: string },
): CertFiles {
  const files = { cert: join(dir, `${cert.name}.crt`), key: join(dir, `${cert.name}.key`) };
  const csr = join(dir, `${cert.name}.csr`);
  const ext = join(dir, `${cert.name}.ext`);
  writeFileSync(ext, cert.extensions);
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", files.key, "-out", csr, "-subj", cert.subject], dir);
  openssl(
    ["x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial", "-out", files.cert].concat([
      "-days",
      String(cert.days),
      "-extfile",
      ext,
    ]),
    dir,
  );
  return files;
}
