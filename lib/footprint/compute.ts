import { KubeObject, list, record } from "../../capabilities/k8s/object";
import { parseQuantity } from "../../capabilities/k8s/quantity";

/**
 * The platform's footprint: requests and limits of everything it runs, summed per namespace and in total,
 * with the Kubernetes rules that decide what a pod asks the scheduler for. Pure: objects in, numbers out.
 *
 * - A container without a request or limit gets its namespace's LimitRange defaults (first LimitRange by
 *   name, `type: Container`; `defaultRequest` falls back to `default`, as the LimitRange API defaults it);
 *   a container with a limit and no request requests its limit (API defaulting runs before LimitRanger).
 * - A pod's effective request is max(sum of app containers + sidecars, the largest init step), where an init
 *   step is a regular init container plus the sidecars (init containers with restartPolicy Always) started
 *   before it. The same rule gives its effective limit; a missing limit makes the pod's limit unbounded.
 * - Replicas: Deployments, StatefulSets and ReplicaSets count spec.replicas (default 1), or the HPA's
 *   minReplicas (default 1) when an HPA targets them; a DaemonSet counts one pod (one node); a Job counts its
 *   parallelism; a CronJob one Job; a bare Pod one.
 * - Storage: PersistentVolumeClaims, plus StatefulSet volumeClaimTemplates times replicas.
 */

export interface Amounts {
  /** cores */
  cpu: number;
  /** bytes */
  memory: number;
}

export interface Limits extends Amounts {
  /** pods whose limit on this resource is unbounded (a container with no limit and no default) */
  cpuUnbounded: number;
  memoryUnbounded: number;
}

export interface WorkloadFootprint {
  kind: string;
  namespace: string;
  name: string;
  pods: number;
  podsFrom: string;
  perPod: { requests: Amounts; limits: Limits };
  requests: Amounts;
  limits: Limits;
  /** bytes of persistent storage requested (volumeClaimTemplates) */
  storage: number;
  /** containers that got a request or limit from a LimitRange default */
  defaulted: number;
}

export interface NamespaceFootprint {
  namespace: string;
  pods: number;
  requests: Amounts;
  limits: Limits;
  storage: number;
}

export interface Footprint {
  workloads: WorkloadFootprint[];
  claims: { namespace: string; name: string; storage: number }[];
  namespaces: NamespaceFootprint[];
  total: NamespaceFootprint;
}

type ContainerDefaults = {
  default: Partial<Record<"cpu" | "memory", number>>;
  defaultRequest: Partial<Record<"cpu" | "memory", number>>;
};

const RESOURCES = ["cpu", "memory"] as const;

const zeroLimits = (): Limits => ({ cpu: 0, memory: 0, cpuUnbounded: 0, memoryUnbounded: 0 });
const zero = (): Amounts => ({ cpu: 0, memory: 0 });
const str = (v: unknown, d = ""): string => (typeof v === "string" ? v : d);
const num = (v: unknown, d: number): number => (typeof v === "number" && Number.isFinite(v) ? v : d);

/** The Container defaults of one LimitRange. */
export function limitRangeDefaults(lr: KubeObject): ContainerDefaults {
  const out: ContainerDefaults = { default: {}, defaultRequest: {} };
  for (const entry of list(record(lr.spec)?.limits)) {
    const limit = record(entry);
    if (limit?.type !== "Container") continue;
    for (const r of RESOURCES) {
      const d = parseQuantity(record(limit.default)?.[r]);
      const dr = parseQuantity(record(limit.defaultRequest)?.[r]);
      if (d !== undefined && out.default[r] === undefined) out.default[r] = d;
      if ((dr ?? d) !== undefined && out.defaultRequest[r] === undefined) out.defaultRequest[r] = dr ?? d;
    }
  }
  return out;
}

/** namespace -> defaults, from LimitRanges; with several in a namespace, the first by name sets a default. */
export function defaultsByNamespace(limitRanges: KubeObject[]): Map<string, ContainerDefaults> {
  const out = new Map<string, ContainerDefaults>();
  const sorted = [...limitRanges].sort((a, b) => str(a.metadata?.name).localeCompare(str(b.metadata?.name)));
  for (const lr of sorted) {
    const ns = str(lr.metadata?.namespace, "default");
    const mine = limitRangeDefaults(lr);
    const have = out.get(ns) ?? { default: {}, defaultRequest: {} };
    for (const r of RESOURCES) {
      have.default[r] ??= mine.default[r];
      have.defaultRequest[r] ??= mine.defaultRequest[r];
    }
    out.set(ns, have);
  }
  return out;
}

interface ContainerAmounts {
  requests: Amounts;
  limits: Amounts & { cpuUnbounded: boolean; memoryUnbounded: boolean };
  defaulted: boolean;
}

/** A container's request and limit after API defaulting and the LimitRange. */
export function containerAmounts(container: unknown, defaults?: ContainerDefaults): ContainerAmounts {
  const res = record(record(container)?.resources);
  const out: ContainerAmounts = {
    requests: zero(),
    limits: { cpu: 0, memory: 0, cpuUnbounded: false, memoryUnbounded: false },
    defaulted: false,
  };
  for (const r of RESOURCES) {
    const ownLimit = parseQuantity(record(res?.limits)?.[r]);
    const ownRequest = parseQuantity(record(res?.requests)?.[r]);
    const limit = ownLimit ?? defaults?.default[r];
    const request = ownRequest ?? ownLimit ?? defaults?.defaultRequest[r];
    if (
      (ownLimit === undefined && limit !== undefined) ||
      (ownRequest === undefined && ownLimit === undefined && request !== undefined)
    )
      out.defaulted = true;
    out.requests[r] = request ?? 0;
    if (limit === undefined) out.limits[r === "cpu" ? "cpuUnbounded" : "memoryUnbounded"] = true;
    else out.limits[r] = limit;
  }
  return out;
}

/** The pod's effective requests and limits (Kubernetes' rule, sidecars included). */
export function podAmounts(
  podSpec: unknown,
  defaults?: ContainerDefaults,
): { requests: Amounts; limits: Limits; defaulted: number } {
  const spec = record(podSpec) ?? {};
  const app = list(spec.containers).map(c => containerAmounts(c, defaults));
  const inits = list(spec.initContainers).map(c => ({
    sidecar: record(c)?.restartPolicy === "Always",
    a: containerAmounts(c, defaults),
  }));
  const requests = zero();
  const limits = zeroLimits();
  const unbounded = { cpu: false, memory: false };
  for (const r of RESOURCES) {
    const key = r === "cpu" ? "cpuUnbounded" : "memoryUnbounded";
    const sum = (xs: ContainerAmounts[], which: "requests" | "limits") => xs.reduce((s, c) => s + c[which][r], 0);
    const sidecars = inits.filter(i => i.sidecar).map(i => i.a);
    for (const which of ["requests", "limits"] as const) {
      let initPeak = 0;
      let sidecarsSoFar = 0;
      for (const i of inits) {
        if (i.sidecar) sidecarsSoFar += i.a[which][r];
        else initPeak = Math.max(initPeak, sidecarsSoFar + i.a[which][r]);
      }
      const value = Math.max(sum(app, which) + sum(sidecars, which), initPeak);
      if (which === "requests") requests[r] = value;
      else limits[r] = value;
    }
    unbounded[r] = [...app, ...inits.map(i => i.a)].some(c => c.limits[key]);
  }
  limits.cpuUnbounded = unbounded.cpu ? 1 : 0;
  limits.memoryUnbounded = unbounded.memory ? 1 : 0;
  const defaulted = [...app, ...inits.map(i => i.a)].filter(c => c.defaulted).length;
  return { requests, limits, defaulted };
}

const WORKLOAD_KINDS = new Set(["Pod", "Deployment", "StatefulSet", "ReplicaSet", "DaemonSet", "Job", "CronJob"]);

/** Pod spec and pod count of a workload, and where the count comes from. */
export function podsOf(obj: KubeObject, hpas: KubeObject[]): { spec: unknown; pods: number; from: string } | undefined {
  const spec = record(obj.spec) ?? {};
  const name = str(obj.metadata?.name);
  const ns = str(obj.metadata?.namespace, "default");
  switch (obj.kind) {
    case "Pod":
      return { spec, pods: 1, from: "pod" };
    case "Deployment":
    case "StatefulSet":
    case "ReplicaSet": {
      const hpa = hpas.find(h => {
        const ref = record(record(h.spec)?.scaleTargetRef);
        return str(h.metadata?.namespace, "default") === ns && ref?.kind === obj.kind && ref?.name === name;
      });
      const template = record(spec.template)?.spec;
      if (hpa) {
        const min = num(record(hpa.spec)?.minReplicas, 1);
        return { spec: template, pods: min, from: `HPA ${str(hpa.metadata?.name)} minReplicas` };
      }
      return { spec: template, pods: num(spec.replicas, 1), from: "replicas" };
    }
    case "DaemonSet":
      return { spec: record(spec.template)?.spec, pods: 1, from: "DaemonSet: one node" };
    case "Job":
      return { spec: record(spec.template)?.spec, pods: num(spec.parallelism, 1), from: "parallelism" };
    case "CronJob": {
      const job = record(record(spec.jobTemplate)?.spec) ?? {};
      return { spec: record(job.template)?.spec, pods: num(job.parallelism, 1), from: "one Job at a time" };
    }
    default:
      return undefined;
  }
}

/** spec.resources.requests.storage of a PVC or a volumeClaimTemplate, in bytes (0 when absent). */
function storageOf(claim: unknown): number {
  const requests = record(record(record(record(claim)?.spec)?.resources)?.requests);
  return parseQuantity(requests?.storage) ?? 0;
}

function add(into: NamespaceFootprint, w: { pods: number; requests: Amounts; limits: Limits; storage: number }) {
  into.pods += w.pods;
  into.requests.cpu += w.requests.cpu;
  into.requests.memory += w.requests.memory;
  into.limits.cpu += w.limits.cpu;
  into.limits.memory += w.limits.memory;
  into.limits.cpuUnbounded += w.limits.cpuUnbounded;
  into.limits.memoryUnbounded += w.limits.memoryUnbounded;
  into.storage += w.storage;
}

const emptyNs = (namespace: string): NamespaceFootprint => ({
  namespace,
  pods: 0,
  requests: zero(),
  limits: zeroLimits(),
  storage: 0,
});

/**
 * Sums the footprint of `objects`. `extraLimitRanges` are LimitRanges that will exist without being in the
 * objects (the module creates one in every app namespace); LimitRanges among the objects count too.
 */
export function computeFootprint(objects: KubeObject[], extraLimitRanges: KubeObject[] = []): Footprint {
  const defaults = defaultsByNamespace([...objects.filter(o => o.kind === "LimitRange"), ...extraLimitRanges]);
  const hpas = objects.filter(o => o.kind === "HorizontalPodAutoscaler");
  const workloads: WorkloadFootprint[] = [];
  const claims: Footprint["claims"] = [];
  for (const obj of objects) {
    const namespace = str(obj.metadata?.namespace, "default");
    const name = str(obj.metadata?.name);
    if (obj.kind === "PersistentVolumeClaim") {
      claims.push({ namespace, name, storage: storageOf(obj) });
      continue;
    }
    if (!WORKLOAD_KINDS.has(str(obj.kind))) continue;
    const p = podsOf(obj, hpas);
    if (!p) continue;
    const per = podAmounts(p.spec, defaults.get(namespace));
    const templates = obj.kind === "StatefulSet" ? list(record(obj.spec)?.volumeClaimTemplates) : [];
    const storage = templates.reduce<number>((s, t) => s + storageOf(t), 0) * p.pods;
    workloads.push({
      kind: str(obj.kind),
      namespace,
      name,
      pods: p.pods,
      podsFrom: p.from,
      perPod: { requests: per.requests, limits: per.limits },
      requests: { cpu: per.requests.cpu * p.pods, memory: per.requests.memory * p.pods },
      limits: {
        cpu: per.limits.cpu * p.pods,
        memory: per.limits.memory * p.pods,
        cpuUnbounded: per.limits.cpuUnbounded * p.pods,
        memoryUnbounded: per.limits.memoryUnbounded * p.pods,
      },
      storage,
      defaulted: per.defaulted,
    });
  }
  const byNs = new Map<string, NamespaceFootprint>();
  const total = emptyNs("(total)");
  const ns = (n: string) => byNs.get(n) ?? byNs.set(n, emptyNs(n)).get(n)!;
  for (const w of workloads) {
    add(ns(w.namespace), w);
    add(total, w);
  }
  for (const c of claims) {
    const entry = { pods: 0, requests: zero(), limits: zeroLimits(), storage: c.storage };
    add(ns(c.namespace), entry);
    add(total, entry);
  }
  return {
    workloads,
    claims,
    namespaces: [...byNs.values()].sort((a, b) => a.namespace.localeCompare(b.namespace)),
    total,
  };
}
