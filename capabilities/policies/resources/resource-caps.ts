import { LIMIT_RANGE, QUOTA } from "../../config/platform";
import { QuotaSize, quotaFor } from "../../config/quota-sizes";
import { KubeObject, list, record, show } from "../../k8s/object";
import { Failure, Policy, verdicts } from "../../engine/policy";
import { parseQuantity } from "../../k8s/quantity";
import { resourceRef } from "../../engine/result";

/** Quota keys that mean the same as a capped key (`cpu` is `requests.cpu`). */
const QUOTA_ALIASES: Record<string, keyof typeof QUOTA.hard> = {
  cpu: "requests.cpu",
  memory: "requests.memory",
  "count/persistentvolumeclaims": "persistentvolumeclaims",
};

function quotaFailures(obj: KubeObject, size: QuotaSize | undefined): Failure[] {
  const hard = record(record(obj.spec)?.hard) ?? {};
  // The cap is the namespace's quota at the cluster's size (the module's own quota is always within it).
  const caps = quotaFor(obj.metadata?.namespace, size);
  const out: Failure[] = [];
  for (const [key, value] of Object.entries(hard)) {
    const capped = (key in QUOTA.hard ? key : QUOTA_ALIASES[key]) as keyof typeof QUOTA.hard | undefined;
    if (!capped) continue;
    const cap = caps[capped];
    const n = parseQuantity(value);
    const path = `spec.hard["${key}"]`;
    if (n === undefined) {
      out.push({
        rule: "quota-within-caps",
        fields: [path],
        message: `${path} is ${show(value)}, not a quantity; use e.g. "4" or "4Gi"`,
      });
    } else if (n > parseQuantity(cap)!) {
      out.push({
        rule: "quota-within-caps",
        fields: [path],
        message: `${path} is ${show(value)}; allowed: at most ${cap} (the platform cap for ${capped})`,
      });
    }
  }
  return out;
}

function limitRangeFailures(obj: KubeObject): Failure[] {
  const out: Failure[] = [];
  list(record(obj.spec)?.limits).forEach((entry, i) => {
    const limit = record(entry);
    if (!limit || limit.type !== "Container") return;
    for (const field of ["default", "defaultRequest", "max", "min"] as const) {
      const values = record(limit[field]) ?? {};
      for (const resource of ["cpu", "memory"] as const) {
        if (values[resource] === undefined) continue;
        const path = `spec.limits[${i}].${field}.${resource}`;
        const n = parseQuantity(values[resource]);
        const cap = LIMIT_RANGE.containerCap[resource];
        if (n === undefined) {
          out.push({
            rule: "limitrange-within-caps",
            fields: [path],
            message: `${path} is ${show(values[resource])}, not a quantity`,
          });
        } else if (n > parseQuantity(cap)!) {
          out.push({
            rule: "limitrange-within-caps",
            fields: [path],
            message: `${path} is ${show(values[resource])}; allowed: at most ${cap} per container`,
          });
        }
      }
    }
    const def = record(limit.default) ?? {};
    const req = record(limit.defaultRequest) ?? {};
    for (const resource of ["cpu", "memory"] as const) {
      const d = parseQuantity(def[resource]);
      const r = parseQuantity(req[resource]);
      if (d !== undefined && r !== undefined && r > d) {
        const path = `spec.limits[${i}].defaultRequest.${resource}`;
        out.push({
          rule: "limitrange-within-caps",
          // A request above its own default limit is a mistake, not a grab for more than the platform allows.
          severity: "medium",
          fields: [path],
          message: `${path} is ${show(req[resource])}, above the default limit ${show(def[resource])}; a request may not exceed its limit`,
        });
      }
    }
  });
  return out;
}

/** ResourceQuotas and LimitRanges may not raise a namespace beyond the platform's caps. */
export const resourceCaps: Policy = {
  name: "resource-caps",
  category: "Resources",
  description: "ResourceQuotas and LimitRanges stay within the platform caps (config/platform.ts)",
  mode: "enforce",
  kinds: ["ResourceQuota", "LimitRange"],
  rules: [
    {
      id: "quota-within-caps",
      title: "A ResourceQuota's values stay within the platform's quota caps",
      severity: "high",
    },
    {
      id: "limitrange-within-caps",
      title: "A LimitRange's container values stay within the platform caps, default requests within default limits",
      severity: "high",
    },
  ],
  evaluate: (obj, ctx) =>
    verdicts(
      resourceCaps,
      resourceRef(obj),
      obj.kind === "ResourceQuota" ? quotaFailures(obj, ctx.quotaSize) : limitRangeFailures(obj),
      "within the platform caps",
    ),
};
