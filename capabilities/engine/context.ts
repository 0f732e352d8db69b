import { isAppNamespace, LIMIT_RANGE } from "../config/platform";
import { EXEMPTION_API_VERSION, EXEMPTION_KIND, Exemption, parseExemption } from "./exemptions";
import { KubeObject, list, record } from "../k8s/object";
import type { Level } from "../policies/pod-security/check";
import type { LimitRangeDefaults, PolicyContext } from "./policy";
import type { QuotaSize } from "../config/quota-sizes";
import { KNOWN_RULES } from "./registry";

/** What the module puts in every app namespace, so its defaults count even before the LimitRange exists. */
const PLATFORM_DEFAULTS: LimitRangeDefaults = {
  limits: { cpu: "cpu" in LIMIT_RANGE.default, memory: "memory" in LIMIT_RANGE.default },
  requests: { cpu: "cpu" in LIMIT_RANGE.defaultRequest, memory: "memory" in LIMIT_RANGE.defaultRequest },
};

/** The container defaults one LimitRange object provides. */
export function limitRangeDefaultsOf(obj: KubeObject): LimitRangeDefaults {
  const out: LimitRangeDefaults = { limits: { cpu: false, memory: false }, requests: { cpu: false, memory: false } };
  for (const entry of list(record(obj.spec)?.limits)) {
    const limit = record(entry);
    if (limit?.type !== "Container") continue;
    for (const r of ["cpu", "memory"] as const) {
      if (record(limit.default)?.[r] !== undefined) out.limits[r] = true;
      if (record(limit.defaultRequest)?.[r] !== undefined) out.requests[r] = true;
    }
  }
  return out;
}

export function mergeDefaults(a: LimitRangeDefaults | undefined, b: LimitRangeDefaults): LimitRangeDefaults {
  return {
    limits: { cpu: !!a?.limits.cpu || b.limits.cpu, memory: !!a?.limits.memory || b.limits.memory },
    requests: { cpu: !!a?.requests.cpu || b.requests.cpu, memory: !!a?.requests.memory || b.requests.memory },
  };
}

/** Builds a context from live state (admission) or from the objects being audited (offline). */
export function buildContext(opts: {
  level?: Level;
  mutate?: boolean;
  quotaSize?: QuotaSize;
  limitRanges: Iterable<KubeObject>;
  exemptions: Iterable<KubeObject>;
}): PolicyContext {
  const defaults = new Map<string, LimitRangeDefaults>();
  for (const lr of opts.limitRanges) {
    const ns = record(lr.metadata)?.namespace;
    if (typeof ns === "string") defaults.set(ns, mergeDefaults(defaults.get(ns), limitRangeDefaultsOf(lr)));
  }
  const exemptions: Exemption[] = [];
  for (const obj of opts.exemptions) {
    const parsed = parseExemption(obj, KNOWN_RULES).exemption;
    if (parsed) exemptions.push(parsed);
  }
  return {
    level: opts.level ?? "restricted",
    mutate: opts.mutate ?? false,
    limitRangeDefaults: ns =>
      isAppNamespace(ns) ? mergeDefaults(defaults.get(ns), PLATFORM_DEFAULTS) : defaults.get(ns),
    exemptions,
    ...(opts.quotaSize ? { quotaSize: opts.quotaSize } : {}),
  };
}

export const isExemptionObject = (o: KubeObject) => o.kind === EXEMPTION_KIND && o.apiVersion === EXEMPTION_API_VERSION;

/** An offline context: LimitRanges and Exemptions are taken from the very objects being audited. */
export function contextFromObjects(
  objects: KubeObject[],
  opts: { level?: Level; mutate?: boolean; quotaSize?: QuotaSize },
): PolicyContext {
  const byKey = new Map(objects.map(o => [`${o.kind}/${o.metadata?.namespace ?? ""}/${o.metadata?.name}`, o]));
  return {
    ...buildContext({
      ...opts,
      limitRanges: objects.filter(o => o.kind === "LimitRange"),
      exemptions: objects.filter(isExemptionObject),
    }),
    lookup: (kind, namespace, name) => byKey.get(`${kind}/${namespace}/${name}`),
  };
}
