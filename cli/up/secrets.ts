import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parse, stringify } from "yaml";
import { platformObjects, renderPlatform } from "../../lib/render/platform";
import { ageKeyFile, ensureAgeKey, sopsDecrypt, sopsEncrypt } from "../../tools/sops";
import { FLUX_NAMESPACE } from "../../tools/flux/sync";
import type { Kubectl } from "./apply-layers";
import { missingSecrets, SecretNeed } from "./platform-secrets";
import { createSecret, randomSecretValue, secretExists, secretObject } from "./secret-object";

/** Where `bonsai secrets init` writes, relative to the user's tree. */
export const SECRETS_DIR = "apps/secrets";
export const SECRETS_LAYER = "clusters/local/layer-secrets.yaml";
export const SOPS_SECRET = "sops-age";

const secretFile = (n: { namespace: string; name: string }) => `${n.namespace}-${n.name}.sops.yaml`;

/** The Flux Kustomization of the secrets layer: decrypted with the sops-age Secret, nothing waits for it. */
function secretsLayerYaml(): string {
  return `# The platform's passwords, SOPS-encrypted for the age key of \`bonsai secrets init\` (docs/bootstrap.md).
# kustomize-controller decrypts them with the ${SOPS_SECRET} Secret in ${FLUX_NAMESPACE}; written by bonsai secrets init.
${stringify({
  apiVersion: "kustomize.toolkit.fluxcd.io/v1",
  kind: "Kustomization",
  metadata: { name: "secrets", namespace: FLUX_NAMESPACE, labels: { "app.kubernetes.io/part-of": "bonsai" } },
  spec: {
    interval: "10m",
    retryInterval: "1m",
    timeout: "2m",
    path: `./${SECRETS_DIR}`,
    prune: true,
    wait: true,
    sourceRef: { kind: "GitRepository", name: "flux-system" },
    dependsOn: [{ name: "namespaces" }],
    decryption: { provider: "sops", secretRef: { name: SOPS_SECRET } },
  },
})}`;
}

function sopsConfigYaml(recipient: string): string {
  return `# SOPS rules for the platform's secrets (apps/secrets/, decrypted by Flux). Written by \`bonsai secrets init\`;
# the recipient is the public half of the age key in ${ageKeyFile().replace(process.env.HOME ?? "~", "~")} (never commit that file).
${stringify({
  creation_rules: [
    { path_regex: "apps/secrets/.*\\.sops\\.yaml$", encrypted_regex: "^(data|stringData)$", age: recipient },
  ],
})}`;
}

/**
 * The backend logs in to PostgreSQL (through PgBouncer) as the same user: backend/backend-database carries
 * infra/postgresql-credentials' password, not one of its own (docs/reference-apps.md).
 */
const SAME_VALUE: Record<string, string> = { "backend/backend-database": "infra/postgresql-credentials" };

function valuesFor(need: SecretNeed, generated: Map<string, Record<string, string>>): Record<string, string> {
  const id = `${need.namespace}/${need.name}`;
  const shared = SAME_VALUE[id] ? generated.get(SAME_VALUE[id]) : undefined;
  const values = Object.fromEntries(need.keys.map(k => [k, shared?.[k] ?? randomSecretValue()]));
  generated.set(id, values);
  return values;
}

export interface InitResult {
  keyFile: string;
  keyCreated: boolean;
  written: string[];
  kept: string[];
}

/**
 * Creates the age key outside the tree (if missing), generates a random value for every Secret the platform's
 * workloads read and the tree does not define, and writes each SOPS-encrypted into `<tree>/apps/secrets/` with the
 * secrets layer and .sops.yaml. Plaintext goes to sops on stdin only. Existing secret files are kept: a new
 * database password would lock the running database out.
 */
export function secretsInit(tree: string): InitResult {
  const key = ensureAgeKey();
  if (key.file.startsWith(tree + "/"))
    throw new Error(`the age key ${key.file} is inside the repository ${tree}; set BONSAI_AGE_KEY_FILE outside it`);
  const dir = join(tree, SECRETS_DIR);
  mkdirSync(dir, { recursive: true });
  // The creation rule first: sops encrypts each file under it (the recipient, and only data/stringData).
  writeFileSync(join(tree, ".sops.yaml"), sopsConfigYaml(key.recipient));
  const needs: SecretNeed[] = missingSecrets(platformObjects(renderPlatform(tree)));
  const written: string[] = [];
  const kept: string[] = [];
  const generated = new Map<string, Record<string, string>>();
  // A Secret that takes its value from another comes after it; an existing source file is read back for it.
  const targets = new Set(Object.keys(SAME_VALUE));
  const ordered = [...needs].sort(
    (a, b) => +targets.has(`${a.namespace}/${a.name}`) - +targets.has(`${b.namespace}/${b.name}`),
  );
  for (const source of Object.values(SAME_VALUE)) {
    const [namespace, name] = source.split("/");
    const path = join(dir, secretFile({ namespace, name }));
    if (existsSync(path))
      generated.set(source, (parse(sopsDecrypt(path)) as { stringData?: Record<string, string> }).stringData ?? {});
  }
  for (const need of ordered) {
    const path = join(dir, secretFile(need));
    if (existsSync(path)) {
      kept.push(relative(tree, path));
      continue;
    }
    const secret = secretObject(need, valuesFor(need, generated), {
      labels: { "app.kubernetes.io/part-of": "bonsai", "app.kubernetes.io/managed-by": "bonsai-secrets" },
    });
    writeFileSync(path, sopsEncrypt(stringify(secret), tree, relative(tree, path)));
    written.push(relative(tree, path));
  }
  const files = readdirSync(dir)
    .filter(f => f.endsWith(".sops.yaml"))
    .sort();
  writeFileSync(
    join(dir, "kustomization.yaml"),
    stringify({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources: files }),
  );
  writeFileSync(join(tree, SECRETS_LAYER), secretsLayerYaml());
  return { keyFile: key.file, keyCreated: key.created, written, kept };
}

/** The decrypted values of one of the tree's secrets, by Secret name (`grafana-admin`) or `namespace/name`. */
export function secretsShow(tree: string, name: string): { file: string; values: Record<string, string> } {
  const dir = join(tree, SECRETS_DIR);
  const files = existsSync(dir) ? readdirSync(dir).filter(f => f.endsWith(".sops.yaml")) : [];
  const wanted = name.includes("/") ? `${name.replace("/", "-")}.sops.yaml` : undefined;
  const match = files.filter(f => (wanted ? f === wanted : f.endsWith(`-${name}.sops.yaml`)));
  if (match.length !== 1)
    throw new Error(
      match.length
        ? `${name} is ambiguous (${match.join(", ")}): give namespace/name`
        : `no secret ${name} in ${SECRETS_DIR}/ (${files.length ? files.join(", ") : "run bonsai secrets init first"})`,
    );
  const file = join(dir, match[0]);
  const secret = parse(sopsDecrypt(file)) as { stringData?: Record<string, string>; data?: Record<string, string> };
  const values = {
    ...Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString()])),
    ...secret.stringData,
  };
  return { file: relative(tree, file), values };
}

/** Whether the tree holds SOPS-encrypted secrets (then Flux needs the sops-age Secret). */
export function treeHasSecrets(tree: string): boolean {
  const dir = join(tree, SECRETS_DIR);
  return existsSync(dir) && readdirSync(dir).some(f => f.endsWith(".sops.yaml"));
}

/**
 * The sops-age Secret kustomize-controller decrypts with, from the user's key file (handed to kubectl on stdin);
 * an existing one is left alone. Returns false when there is no key file to create it from.
 */
export function ensureSopsKeySecret(kubectl: Kubectl, keyFile = ageKeyFile()): "created" | "exists" | "no-key" {
  const ref = { namespace: FLUX_NAMESPACE, name: SOPS_SECRET };
  if (secretExists(kubectl, ref)) return "exists";
  if (!existsSync(keyFile)) return "no-key";
  const key = { "age.agekey": readFileSync(keyFile, "utf8") };
  createSecret(kubectl, secretObject(ref, key, { labels: { "app.kubernetes.io/managed-by": "bonsai" } }));
  return "created";
}
