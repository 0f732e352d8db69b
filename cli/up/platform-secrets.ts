import { KubeObject, list, record } from "../../capabilities/k8s/object";
import { podTemplateOf } from "../../capabilities/k8s/pod-template";
import { ordinal } from "../../capabilities/reports/policy-report";
import type { Kubectl } from "./apply-layers";
import { createSecret, randomSecretValue, secretExists, secretObject } from "./secret-object";

export interface SecretNeed {
  namespace: string;
  name: string;
  keys: string[];
}

/**
 * The Secrets the platform's workloads read (env `secretKeyRef`) that the tree does not define: in git they
 * exist only SOPS-encrypted, decrypted by Flux. Optional references are left out.
 */
export function missingSecrets(objects: KubeObject[]): SecretNeed[] {
  const defined = new Set(
    objects.filter(o => o.kind === "Secret").map(o => `${o.metadata?.namespace ?? "default"}/${o.metadata?.name}`),
  );
  const needs = new Map<string, SecretNeed>();
  for (const obj of objects) {
    const pod = podTemplateOf(obj);
    if (!pod || pod.missing) continue;
    const namespace = obj.metadata?.namespace ?? "default";
    for (const c of [...list(pod.spec.initContainers), ...list(pod.spec.containers)]) {
      for (const env of list(record(c)?.env)) {
        const ref = record(record(record(env)?.valueFrom)?.secretKeyRef);
        if (!ref || ref.optional === true || typeof ref.name !== "string" || typeof ref.key !== "string") continue;
        const id = `${namespace}/${ref.name}`;
        if (defined.has(id)) continue;
        const need = needs.get(id) ?? { namespace, name: ref.name, keys: [] };
        if (!need.keys.includes(ref.key)) need.keys.push(ref.key);
        needs.set(id, need);
      }
    }
  }
  return [...needs.values()].sort((a, b) => ordinal(a.namespace, b.namespace) || ordinal(a.name, b.name));
}

/**
 * Creates each missing Secret with random values, in the cluster only: handed to kubectl on stdin, never
 * written to disk or printed. An existing Secret (from SOPS through Flux, or made by hand) is never touched.
 */
export function ensureSecrets(kubectl: Kubectl, needs: SecretNeed[]): string[] {
  const created: string[] = [];
  for (const need of needs) {
    if (secretExists(kubectl, need)) continue;
    const values = Object.fromEntries(need.keys.map(k => [k, randomSecretValue()]));
    createSecret(
      kubectl,
      secretObject(need, values, {
        labels: { "app.kubernetes.io/managed-by": "bonsai-up" },
        annotations: { "bonsai.dev/generated": "random values made by bonsai up; replace with SOPS secrets via Flux" },
      }),
    );
    created.push(`${need.namespace}/${need.name}`);
  }
  return created;
}
