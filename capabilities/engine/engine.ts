import { modeOf } from "./modes";
import { applyExemptions } from "./exemptions";
import { withSecureDefaults } from "../policies/pod-security/mutate";
import { KubeObject, record } from "../k8s/object";
import type { PolicyContext } from "./policy";
import { policiesFor } from "./registry";
import { PolicyResult, resourceRef } from "./result";
import type { Deadline } from "./budget";
import { inputLimitProblem } from "./input-limits";

export const ENGINE_POLICY = "bonsai";
/** The engine's own rules for what it could not judge in full: too large an object, or out of time. */
export const INPUT_LIMITS_RULE = "input-limits";
export const REQUEST_BUDGET_RULE = "request-budget";

/**
 * Every Bonsai policy over one object, as admission and `bonsai audit` both see it: the policies for
 * its kind, then exemptions (covered failures become `skip` naming the exemption), then modes (a
 * failure of a `warn` policy becomes `warn`; of an `audit` policy stays `fail`, marked mode=audit, and
 * is admitted). An object no policy applies to gets one `skip` result saying why: nothing is dropped.
 */
export function evaluateObject(obj: KubeObject, ctx: PolicyContext, deadline?: Deadline): PolicyResult[] {
  const malformed = malformedReason(obj);
  if (malformed) return [engineResult(obj, "well-formed-object", "error", malformed)];
  // Bounded input first: every later step is then bounded in time (docs/threat-model.md).
  const tooLarge = inputLimitProblem(obj);
  if (tooLarge) return [engineResult(obj, INPUT_LIMITS_RULE, "fail", tooLarge)];
  // The mutated subject is computed once for all policies, which then judge it as it stands.
  const subject = ctx.mutate ? withSecureDefaults(obj) : obj;
  const judged = ctx.mutate ? { ...ctx, mutate: false } : ctx;
  const results: PolicyResult[] = [];
  for (const policy of policiesFor(obj.kind as string)) {
    // Each policy's step is bounded by the input limits; between steps the request's deadline is checked.
    if (deadline?.expired()) return [overBudget(obj, deadline, policy.name)];
    results.push(...policy.evaluate(subject, judged));
  }
  if (!results.length) {
    return [
      {
        policy: ENGINE_POLICY,
        rule: "applicable-policies",
        result: "skip",
        message: `no Bonsai policy evaluates kind ${obj.kind} (${obj.apiVersion})`,
        category: "Coverage",
        severity: "info",
        resource: resourceRef(obj),
      },
    ];
  }
  return applyModes(applyExemptions(results, ctx.exemptions));
}

function engineResult(obj: KubeObject, rule: string, result: "fail" | "error", message: string): PolicyResult {
  return {
    policy: ENGINE_POLICY,
    rule,
    result,
    message,
    category: "Input",
    severity: "high",
    resource: resourceRef(obj),
  };
}

/** The verdict on a request whose judgement ran out of time; admission denies it (or warns, fail-open). */
export function overBudget(obj: KubeObject, deadline: Deadline, before: string): PolicyResult {
  return engineResult(
    obj,
    REQUEST_BUDGET_RULE,
    "fail",
    `judging stopped after ${deadline.elapsedMs()} ms, over the module's ${deadline.budgetMs} ms budget per request, before policy ${before}; the module is overloaded or the object too costly to judge, retry later`,
  );
}

export function applyModes(results: PolicyResult[]): PolicyResult[] {
  return results.map(r => {
    if (r.result !== "fail") return r;
    const mode = modeOf(r.policy);
    if (mode === "enforce") return r;
    return { ...r, result: mode === "warn" ? "warn" : "fail", properties: { ...r.properties, mode } };
  });
}

/** A failure that admission must deny (enforce mode). */
export function isEnforcedFailure(r: PolicyResult): boolean {
  return r.result === "fail" && r.properties?.mode !== "audit";
}

function malformedReason(obj: KubeObject): string | undefined {
  const missing: string[] = [];
  if (typeof obj.apiVersion !== "string" || !obj.apiVersion) missing.push("apiVersion");
  if (typeof obj.kind !== "string" || !obj.kind) missing.push("kind");
  const meta = record(obj.metadata);
  if (!meta) missing.push("metadata");
  else if (
    !(typeof meta.name === "string" && meta.name) &&
    !(typeof meta.generateName === "string" && meta.generateName)
  )
    missing.push("metadata.name");
  if (!missing.length) return undefined;
  return `object is missing ${missing.join(", ")}; every Kubernetes object needs apiVersion, kind and metadata.name`;
}
