import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { CertFiles, selfSigned } from "../../tools/openssl";

export type TlsFiles = CertFiles;

/**
 * A self-signed RSA-2048 certificate for 127.0.0.1/localhost, as `pepr dev` writes insecure-tls.{crt,key}
 * (Pepr generates RSA-2048 too). The load generator trusts it as its CA.
 */
export function selfSignedTls(dir: string): TlsFiles {
  mkdirSync(dir, { recursive: true });
  const files = { cert: join(dir, "tls.crt"), key: join(dir, "tls.key") };
  if (existsSync(files.cert) && existsSync(files.key)) return files;
  return selfSigned(dir, {
    name: "tls",
    subject: "/CN=localhost",
    days: 2,
    addext: ["subjectAltName=DNS:localhost,IP:127.0.0.1"],
  });
}
