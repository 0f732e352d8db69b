import type { KubeObject } from "../../capabilities/k8s/object";
import { decideAdmission } from "../../capabilities/engine/admission";
import { buildContext } from "../../capabilities/engine/context";
import { applySecureDefaults } from "../../capabilities/policies/pod-security/mutate";
import { admissionShapes } from "../lib/objects";
import { nowMs, round } from "../lib/stats";

/** Microseconds per call of `fn`, after a warm-up, median of 5 batches. */
function usPerOp(fn: (i: number) => void, n: number): number {
  for (let i = 0; i < n / 5; i++) fn(i);
  const batches: number[] = [];
  for (let b = 0; b < 5; b++) {
    const t0 = nowMs();
    for (let i = 0; i < n; i++) fn(i);
    batches.push(((nowMs() - t0) * 1000) / n);
  }
  return round(batches.sort((a, b) => a - b)[2], 1);
}

/**
 * The module's own work per request, in-process and without Pepr: what the policy code costs for each shape
 * of the admission mix. `validate` is decideAdmission with a ready context; `context` is what
 * admissionContext() adds per request (buildContext over the listed LimitRanges and Exemptions); `mutate` is
 * applySecureDefaults on a copy; `structuredClone` is the cost of one deep copy of the object, for reference.
 */
export function policyCost(state: Record<string, KubeObject[]>): Record<string, Record<string, number>> {
  const opts = { limitRanges: state.limitranges ?? [], exemptions: state.exemptions ?? [] };
  const ctx = buildContext({ level: "restricted", mutate: true, ...opts });
  const out: Record<string, Record<string, number>> = {};
  for (const [label, obj] of admissionShapes()) {
    const n = label.includes("large") ? 1000 : 5000;
    const input = {
      object: obj,
      operation: "CREATE",
      username: "system:serviceaccount:flux-system:kustomize-controller",
    };
    const copies = Array.from({ length: n }, () => JSON.parse(JSON.stringify(obj)) as KubeObject);
    out[label] = {
      validateUs: usPerOp(() => decideAdmission(input, ctx), n),
      contextUs: usPerOp(() => buildContext({ level: "restricted", mutate: true, ...opts }), n),
      ...(obj.kind === "Pod" && { mutateUs: usPerOp(i => applySecureDefaults(copies[i]), n) }),
      structuredCloneUs: usPerOp(() => structuredClone(obj), n),
      jsonBytes: JSON.stringify(obj).length,
    };
  }
  return out;
}
