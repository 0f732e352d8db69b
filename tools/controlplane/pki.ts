import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { issueCert, openssl, selfSigned } from "../openssl";

export interface Pki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
}

/**
 * A throw-away CA for one control plane: the API server's serving certificate (127.0.0.1, localhost and the
 * in-cluster names), an admin client certificate in system:masters, and the service-account key pair.
 */
export function createPki(dir: string): Pki {
  mkdirSync(dir, { recursive: true });
  const p = (f: string) => join(dir, f);
  const pki: Pki = {
    caCert: p("ca.crt"),
    caKey: p("ca.key"),
    serverCert: p("apiserver.crt"),
    serverKey: p("apiserver.key"),
    adminCert: p("admin.crt"),
    adminKey: p("admin.key"),
    serviceAccountKey: p("sa.key"),
    serviceAccountPub: p("sa.pub"),
  };
  if (existsSync(pki.serviceAccountPub)) return pki;
  const days = 30;
  const ca = selfSigned(dir, { name: "ca", subject: "/CN=bonsai-local-ca", days });
  const keyUsage = "keyUsage=digitalSignature,keyEncipherment\n";
  issueCert(dir, ca, {
    name: "apiserver",
    subject: "/CN=kube-apiserver",
    days,
    extensions:
      "subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\n" +
      "extendedKeyUsage=serverAuth\n" +
      keyUsage,
  });
  issueCert(dir, ca, {
    name: "admin",
    subject: "/O=system:masters/CN=bonsai-admin",
    days,
    extensions: "extendedKeyUsage=clientAuth\n" + keyUsage,
  });
  openssl(["genrsa", "-out", "sa.key", "2048"], dir);
  openssl(["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"], dir);
  return pki;
}

/** A kubeconfig for the admin client certificate, with everything inlined so it can be copied anywhere. */
export function kubeconfigYaml(server: string, pki: Pki): string {
  const b64 = (f: string) => readFileSync(f).toString("base64");
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    "- name: bonsai",
    "  cluster:",
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(pki.caCert)}`,
    "users:",
    "- name: bonsai-admin",
    "  user:",
    `    client-certificate-data: ${b64(pki.adminCert)}`,
    `    client-key-data: ${b64(pki.adminKey)}`,
    "contexts:",
    "- name: bonsai",
    "  context:",
    "    cluster: bonsai",
    "    user: bonsai-admin",
    "current-context: bonsai",
    "",
  ].join("\n");
}
