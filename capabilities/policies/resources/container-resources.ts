import type { V1ResourceRequirements } from "@kubernetes/client-node";
import { KubeObject, record } from "../../k8s/object";
import { Policy, verdicts } from "../../engine/policy";
import { resourceRef } from "../../engine/result";
import { containersOf } from "../../k8s/containers";
import { podTemplateOf, POD_CARRYING_KINDS } from "../../k8s/pod-template";

const RESOURCES = ["cpu", "memory"] as const;

/**
 * Every container must end up with CPU and memory requests and limits. A missing value is fine where the
 * namespace's LimitRange would fill it (LimitRanger runs before the webhooks for Pods; for workloads it
 * will run when their pods are created). A missing request also defaults to the limit.
 */
export const containerResources: Policy = {
  name: "container-resources",
  category: "Resources",
  description: "Containers need CPU and memory requests and limits, unless a LimitRange fills them",
  mode: "enforce",
  kinds: POD_CARRYING_KINDS,
  rules: [
    {
      id: "requests-and-limits",
      title: "Every container has CPU and memory requests and limits, set or filled by the namespace's LimitRange",
      severity: "medium",
    },
  ],
  evaluate: (obj: KubeObject, ctx) => {
    const pod = podTemplateOf(obj);
    if (!pod || pod.missing) return [];
    const namespace = record(obj.metadata)?.namespace;
    const ns = typeof namespace === "string" && namespace ? namespace : "default";
    const defaults = ctx.limitRangeDefaults(ns);
    const missing: string[] = [];
    // Ephemeral containers cannot declare resources; they are not counted.
    for (const c of containersOf(pod.spec, pod.prefix).filter(c => !c.path.includes("ephemeralContainers"))) {
      const res = record<V1ResourceRequirements>(c.container.resources);
      const limits = record(res?.limits) ?? {};
      const requests = record(res?.requests) ?? {};
      for (const r of RESOURCES) {
        const hasLimit = limits[r] !== undefined && limits[r] !== null;
        if (!hasLimit && !defaults?.limits[r]) missing.push(`${c.path}.resources.limits.${r} (container "${c.name}")`);
        const hasRequest = requests[r] !== undefined && requests[r] !== null;
        if (!hasRequest && !hasLimit && !defaults?.requests[r] && !defaults?.limits[r])
          missing.push(`${c.path}.resources.requests.${r} (container "${c.name}")`);
      }
    }
    const where = defaults
      ? `namespace ${ns} has a LimitRange, but it does not default these`
      : `namespace ${ns} has no LimitRange to fill them`;
    return verdicts(
      containerResources,
      resourceRef(obj),
      missing.length
        ? [
            {
              rule: "requests-and-limits",
              message: `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} unset and ${where}; set CPU and memory requests and limits on every container`,
              fields: missing.map(m => m.split(" ")[0]),
            },
          ]
        : [],
      "every container has CPU and memory requests and limits (set or defaulted)",
    );
  },
};
