import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { homedir, tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { KubeObject, list, record } from "../../capabilities/k8s/object";
import { podTemplateOf } from "../../capabilities/k8s/pod-template";
import type { Kubectl } from "./apply-layers";
import { createSecret, SecretRef, secretExists, secretObject } from "./secret-object";
import { CertFiles, issueCert, selfSigned } from "../../tools/openssl";

/**
 * The ingress controller's TLS Secret (`-default-server-tls-secret`, `-wildcard-tls-secret`): the F5 NGINX
 * Ingress Controller exits while it is missing, and the tree cannot carry a private key. `bonsai up` makes a local
 * CA once (kept in ~/.bonsai/ca so the Mac can trust it once, see docs/runtime-contract.md) and, before the layer
 * that holds the controller is applied, a serving certificate for every Ingress host, stored as that Secret. A
 * Secret that already exists (your own certificate) is left alone.
 */

const TLS_FLAGS = ["-default-server-tls-secret=", "-wildcard-tls-secret="];

/** The TLS Secrets controller Deployments name in their args (`$(POD_NAMESPACE)` is the Deployment's namespace). */
export function tlsSecretsReferenced(objects: KubeObject[]): SecretRef[] {
  const out = new Map<string, SecretRef>();
  for (const o of objects) {
    const pod = podTemplateOf(o);
    if (!pod || pod.missing) continue;
    const namespace = String(o.metadata?.namespace ?? "default");
    for (const c of list(pod.spec.containers)) {
      for (const arg of list(record(c)?.args)) {
        const flag = TLS_FLAGS.find(f => typeof arg === "string" && arg.startsWith(f));
        if (!flag) continue;
        const value = String(arg).slice(flag.length).split("$(POD_NAMESPACE)").join(namespace);
        const [ns, name] = value.includes("/") ? value.split("/", 2) : [namespace, value];
        out.set(`${ns}/${name}`, { namespace: ns, name });
      }
    }
  }
  return [...out.values()];
}

/** Every host an Ingress of the platform serves (rules and tls), sorted. */
export function ingressHosts(objects: KubeObject[]): string[] {
  const hosts = new Set<string>();
  for (const o of objects.filter(x => x.kind === "Ingress")) {
    const spec = record(o.spec);
    for (const r of list(spec?.rules)) if (typeof record(r)?.host === "string") hosts.add(String(record(r)?.host));
    for (const t of list(spec?.tls)) for (const h of list(record(t)?.hosts)) if (typeof h === "string") hosts.add(h);
  }
  return [...hosts].sort();
}

/** The local CA, created once (10 years) and reused, so the Mac trusts it once. */
export function localCa(dir = join(homedir(), ".bonsai", "ca")): CertFiles {
  const ca = { cert: join(dir, "ca.crt"), key: join(dir, "ca.key") };
  if (existsSync(ca.cert) && existsSync(ca.key)) return ca;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return selfSigned(dir, {
    name: "ca",
    subject: `/CN=Bonsai local CA (${userInfo().username})`,
    days: 3650,
    addext: ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"],
  });
}

/** A serving certificate for `hosts` signed by `ca` (825 days: what macOS accepts for a TLS server). */
export function issueServingCert(ca: CertFiles, hosts: string[]): { cert: string; key: string } {
  if (hosts.length === 0) throw new Error("no Ingress host to issue a certificate for");
  const work = mkdtempSync(join(tmpdir(), "bonsai-tls-"));
  try {
    const san = hosts.map(h => `DNS:${h}`).join(",");
    const files = issueCert(work, ca, {
      name: "tls",
      subject: `/CN=${hosts[0]}`,
      days: 825,
      extensions: `subjectAltName=${san}\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n`,
    });
    return { cert: readFileSync(files.cert, "utf8"), key: readFileSync(files.key, "utf8") };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Creates each referenced TLS Secret that is missing, for `hosts`; the key goes to kubectl on stdin only.
 * Returns what it created, as namespace/name.
 */
export function ensureTlsSecrets(kubectl: Kubectl, refs: SecretRef[], hosts: string[], caDir?: string): string[] {
  const created: string[] = [];
  for (const ref of refs) {
    if (secretExists(kubectl, ref)) continue;
    const { cert, key } = issueServingCert(localCa(caDir), hosts);
    createSecret(
      kubectl,
      secretObject(
        ref,
        { "tls.crt": cert, "tls.key": key },
        {
          type: "kubernetes.io/tls",
          labels: { "app.kubernetes.io/managed-by": "bonsai-up", "app.kubernetes.io/part-of": "bonsai" },
          annotations: { "bonsai.dev/generated": "signed by the local CA of bonsai up (~/.bonsai/ca/ca.crt)" },
        },
      ),
    );
    created.push(`${ref.namespace}/${ref.name}`);
  }
  return created;
}

/**
 * The step `bonsai up` runs before each layer: when the layer holds a controller that names TLS Secrets, the
 * missing ones are created for every Ingress host of the platform (`platform` renders it, only when needed).
 */
export function ingressTlsBeforeLayer(kubectl: Kubectl, platform: () => KubeObject[], caDir?: string) {
  return (layerObjects: KubeObject[]): string[] => {
    const refs = tlsSecretsReferenced(layerObjects);
    if (refs.length === 0) return [];
    const created = ensureTlsSecrets(kubectl, refs, ingressHosts(platform()), caDir);
    return created.length
      ? [
          `TLS Secret ${created.join(", ")} created from the local CA ~/.bonsai/ca/ca.crt (trust it once: docs/runtime-contract.md)`,
        ]
      : [];
  };
}
