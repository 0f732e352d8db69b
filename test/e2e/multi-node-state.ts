import type { Kubectl } from "../../cli/up/apply-layers";
import { parseQuantity } from "../../capabilities/k8s/quantity";

/** What the multi-node tests read back from the cluster, reduced to the fields they judge. */
export interface LivePod {
  namespace: string;
  name: string;
  node: string;
  phase: string;
  labels: Record<string, string>;
  /** The controlling owner, e.g. "ReplicaSet infra/pgbouncer-5f7c…" or "Cluster infra/postgresql-ha". */
  owner: string;
  daemon: boolean;
  requests: { cpu: number; memory: number };
}

interface PodJson {
  metadata: {
    namespace: string;
    name: string;
    labels?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; controller?: boolean }[];
  };
  spec: { nodeName?: string; containers: { resources?: { requests?: Record<string, string> } }[] };
  status?: { phase?: string };
}

const getJson = <T>(kubectl: Kubectl, args: string[]): T => {
  const r = kubectl(["get", ...args, "-o", "json"]);
  if (r.code !== 0) throw new Error(`kubectl get ${args.join(" ")} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
};

export function livePods(kubectl: Kubectl): LivePod[] {
  return getJson<{ items: PodJson[] }>(kubectl, ["pods", "-A"]).items.map(p => {
    const owner = p.metadata.ownerReferences?.find(o => o.controller);
    const sum = (key: string) =>
      p.spec.containers.reduce((acc, ct) => acc + (parseQuantity(ct.resources?.requests?.[key] ?? "0") ?? 0), 0);
    return {
      namespace: p.metadata.namespace,
      name: p.metadata.name,
      node: p.spec.nodeName ?? "",
      phase: p.status?.phase ?? "",
      labels: p.metadata.labels ?? {},
      owner: owner ? `${owner.kind} ${p.metadata.namespace}/${owner.name}` : "",
      daemon: owner?.kind === "DaemonSet",
      requests: { cpu: sum("cpu"), memory: sum("memory") },
    };
  });
}

/** Pods grouped by the workload that owns them (a ReplicaSet's pods count for its Deployment). */
export function podsByWorkload(kubectl: Kubectl): Map<string, LivePod[]> {
  const rsOwner = new Map<string, string>();
  for (const rs of getJson<{ items: PodJson[] }>(kubectl, ["replicasets", "-A"]).items) {
    const o = rs.metadata.ownerReferences?.find(x => x.controller);
    if (o)
      rsOwner.set(
        `ReplicaSet ${rs.metadata.namespace}/${rs.metadata.name}`,
        `${o.kind} ${rs.metadata.namespace}/${o.name}`,
      );
  }
  const out = new Map<string, LivePod[]>();
  for (const p of livePods(kubectl)) {
    const w = rsOwner.get(p.owner) ?? (p.owner || `Pod ${p.namespace}/${p.name}`);
    out.set(w, [...(out.get(w) ?? []), p]);
  }
  return out;
}

/** Requested CPU (cores) and memory (MiB) of the pods on each node, and how many pods. */
export function nodeFootprint(pods: LivePod[]): Record<string, { pods: number; cpu: number; memoryMiB: number }> {
  const out: Record<string, { pods: number; cpu: number; memoryMiB: number }> = {};
  for (const p of pods.filter(x => x.node)) {
    const n = (out[p.node] ??= { pods: 0, cpu: 0, memoryMiB: 0 });
    n.pods++;
    n.cpu = Math.round((n.cpu + p.requests.cpu) * 1000) / 1000;
    n.memoryMiB = Math.round(n.memoryMiB + p.requests.memory / 2 ** 20);
  }
  return out;
}

/** Ready endpoints per Service that selects pods ("namespace/name" -> count), from the EndpointSlices. */
export function readyEndpointsByService(kubectl: Kubectl): Record<string, number> {
  const services = getJson<{ items: { metadata: { namespace: string; name: string }; spec: { selector?: object } }[] }>(
    kubectl,
    ["services", "-A"],
  ).items.filter(s => s.spec.selector && Object.keys(s.spec.selector).length);
  const slices = getJson<{
    items: {
      metadata: { namespace: string; labels?: Record<string, string> };
      endpoints?: { conditions?: { ready?: boolean } }[];
    }[];
  }>(kubectl, ["endpointslices", "-A"]).items;
  const out: Record<string, number> = {};
  for (const s of services) {
    const id = `${s.metadata.namespace}/${s.metadata.name}`;
    out[id] = slices
      .filter(
        sl =>
          sl.metadata.namespace === s.metadata.namespace &&
          sl.metadata.labels?.["kubernetes.io/service-name"] === s.metadata.name,
      )
      .reduce((acc, sl) => acc + (sl.endpoints ?? []).filter(e => e.conditions?.ready).length, 0);
  }
  return out;
}
