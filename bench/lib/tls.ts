import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";

export interface TlsFiles {
  cert: string;
  key: string;
}

/**
 * A self-signed RSA-2048 certificate for 127.0.0.1/localhost, as `pepr dev` writes insecure-tls.{crt,key}
 * (Pepr generates RSA-2048 too). The load generator trusts it as its CA.
 */
export function selfSignedTls(dir: string): TlsFiles {
  mkdirSync(dir, { recursive: true });
  const cert = join(dir, "tls.crt");
  const key = join(dir, "tls.key");
  if (!existsSync(cert) || !existsSync(key)) {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=localhost",
        "-addext",
        "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-keyout",
        key,
        "-out",
        cert,
      ],
      { stdio: "ignore" },
    );
  }
  return { cert, key };
}
