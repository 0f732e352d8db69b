import type { KubeObject } from "../../capabilities/k8s/object";
import { isRecord, list, record } from "../../capabilities/k8s/object";
import { cnpgOperatorObjects } from "../../tools/cnpg";
import { stringify } from "yaml";
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

/** A label no object carries: a webhook that selects it is never called. */
const NO_OBJECT = { "bonsai.dev/no-pod-serves-this-webhook-here": "true" };

/**
 * For the Flux path: the webhook configurations among `objects` that no pod can serve here, each as a partial
 * object that gives every webhook an objectSelector matching nothing. Applied with a field manager of our own,
 * it survives kustomize-controller's server-side applies (the release manifest sets no objectSelector, so Flux
 * owns none) and keeps the object present for Flux's health check, which a deletion would fail.
 */
function unservedWebhookSelectors(objects: KubeObject[]): KubeObject[] {
  const kept = new Set(withoutPodServedWebhooks(objects).objects);
  return objects
    .filter(o => WEBHOOK_KINDS.has(String(o.kind)) && !kept.has(o))
    .map(o => ({
      apiVersion: o.apiVersion,
      kind: o.kind,
      metadata: { name: o.metadata?.name },
      webhooks: list(o.webhooks).map(w => ({
        name: record(w)?.name,
        objectSelector: { matchLabels: NO_OBJECT },
      })),
    }));
}

/**
 * The same stand-ins on the Flux path, where kustomize-controller applies the layers: `tick()` (called every few
 * seconds while Flux works) turns off the pod-served webhook configurations it applied (unservedWebhookSelectors)
 * before the layers that create those webhooks' objects, which depend on the operator's layer, and, once a
 * CloudNativePG Cluster is stored, creates what the operator would, once. `settle()` waits for that and returns
 * notes and refusals.
 */
export function operatorStandIns(kubectl: Kubectl, platform: KubeObject[], say: (m: string) => void) {
  const selectors = unservedWebhookSelectors(platform);
  const clusters = platform.filter(isCnpgCluster);
  const notes: string[] = [];
  const denied: string[] = [];
  const off = new Set<string>();
  let announced = false;
  let standIn: Promise<void> | undefined;
  const stored = (kind: string, o: KubeObject, ns: string[] = []) =>
    kubectl(["get", kind, ...ns, String(o.metadata?.name)]).code === 0;
  const tick = () => {
    for (const w of selectors.filter(x => !off.has(String(x.metadata?.name)))) {
      if (!stored(String(w.kind).toLowerCase(), w)) continue;
      const r = kubectl(
        ["apply", "--server-side", "--field-manager=bonsai-embedded-stand-in", "-f", "-"],
        stringify(w),
      );
      if (r.code === 0) off.add(String(w.metadata?.name));
      else denied.push(`${w.kind} ${w.metadata?.name}: ${r.stderr.trim()}`);
    }
    if (selectors.length && off.size === selectors.length && !announced) {
      announced = true;
      notes.push(
        `webhooks no pod serves here turned off (an objectSelector matching nothing, applied beside Flux's fields): ` +
          selectors.map(w => `${w.kind} ${w.metadata?.name}`).join(", "),
      );
    }
    const ns = (c: KubeObject) => ["-n", String(c.metadata?.namespace)];
    if (clusters.length && !standIn && clusters.every(c => stored("clusters.postgresql.cnpg.io", c, ns(c))))
      standIn = standInForCnpg(kubectl, clusters, say).then(r => {
        denied.push(...r.denied);
        notes.push(`CloudNativePG stood in for: ${r.created.length} objects its operator would create`);
      });
  };
  const settle = async (): Promise<{ notes: string[]; denied: string[] }> => {
    tick();
    await standIn;
    if (clusters.length && !standIn) denied.push("CloudNativePG Cluster objects never appeared; no stand-in created");
    return { notes, denied };
  };
  return { tick, settle };
}
