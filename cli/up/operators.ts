import type { KubeObject } from "../../capabilities/k8s/object";
import { isRecord, list, record } from "../../capabilities/k8s/object";
import { cnpgOperatorObjects } from "../../tools/cnpg";
import { applyObjects, Kubectl } from "./apply-layers";

const WEBHOOK_KINDS = new Set(["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]);

/**
 * On the embedded control plane no pod runs (kwok only marks them Running), so an admission webhook served
 * by a pod behind a Service can never answer: registered, it would fail closed for everything it matches,
 * and the API server would dial a ClusterIP. Such configurations are left out there, and said so.
 */
export function withoutPodServedWebhooks(objects: KubeObject[]): { objects: KubeObject[]; left: string[] } {
  const left: string[] = [];
  const kept = objects.filter(o => {
    if (!WEBHOOK_KINDS.has(String(o.kind))) return true;
    const served = list(o.webhooks).some(w => isRecord(record(record(w)?.clientConfig)?.service));
    if (served) left.push(`${o.kind} ${o.metadata?.name}`);
    return !served;
  });
  return { objects: kept, left };
}

const isCnpgCluster = (o: KubeObject) => o.kind === "Cluster" && String(o.apiVersion).startsWith("postgresql.cnpg.io/");

/**
 * Stands in for CloudNativePG's operator, which cannot run on the embedded plane (it talks to each instance
 * manager at its pod IP): for every Cluster in `objects`, the ServiceAccount, PVCs, Pods, Services and
 * disruption budgets the operator would create, computed by the operator's own code (tools/cnpg) from the
 * Cluster as the API server stored it. Returns the refusals, like applyObjects.
 */
export async function standInForCnpg(
  kubectl: Kubectl,
  objects: KubeObject[],
  progress: (m: string) => void = () => {},
): Promise<{ created: KubeObject[]; denied: string[] }> {
  const created: KubeObject[] = [];
  const denied: string[] = [];
  for (const c of objects.filter(isCnpgCluster)) {
    const ref = `${c.metadata?.namespace}/${c.metadata?.name}`;
    const live = kubectl([
      "get",
      "clusters.postgresql.cnpg.io",
      "-n",
      String(c.metadata?.namespace),
      String(c.metadata?.name),
      "-o",
      "json",
    ]);
    if (live.code !== 0) {
      denied.push(`Cluster ${ref}: not in the cluster, so nothing to stand in for (${live.stderr.trim()})`);
      continue;
    }
    progress(`creating what CloudNativePG's operator would create for Cluster ${ref}`);
    const stored = JSON.parse(live.stdout) as KubeObject;
    // The operator's first reconcile resolves the image into status.image (from spec.imageName, or an image
    // catalog); the instance pods are built from that field.
    const spec = record(stored.spec);
    const resolved = { ...stored, status: { ...record(stored.status), image: spec?.imageName } };
    const made = cnpgOperatorObjects(resolved, progress);
    created.push(...made);
    denied.push(...(await applyObjects(kubectl, made)));
  }
  return { created, denied };
}
