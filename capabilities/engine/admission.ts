import { isDeepStrictEqual } from "node:util";
import {
  applyModes,
  ENGINE_POLICY,
  evaluateObject,
  INPUT_LIMITS_RULE,
  isEnforcedFailure,
  REQUEST_BUDGET_RULE,
} from "./engine";
import type { Deadline } from "./budget";
import { inputLimitProblem } from "./input-limits";
import { isFailOpen } from "../config/failure-policy";
import { namespaceLabelChanges } from "../policies/namespaces/namespace-labels";
import { KubeObject, objectRef } from "../k8s/object";
import { podTemplateOf } from "../k8s/pod-template";
import { defaultDenyDeletion } from "../policies/network/default-deny";
import type { PolicyContext } from "./policy";
import type { PolicyResult } from "./result";

/** What the admission binding answers; a pure value so that tests need no webhook. */
export interface AdmissionDecision {
  allowed: boolean;
  message?: string;
  warnings: string[];
  results: PolicyResult[];
  /** Set when the request was not judged in full: the object exceeded the input limits, or time ran out. */
  overBudget?: typeof INPUT_LIMITS_RULE | typeof REQUEST_BUDGET_RULE;
}

export interface AdmissionInput {
  object?: KubeObject;
  oldObject?: KubeObject;
  operation: string;
  username?: string;
}

/**
 * The parts of an object whose change re-opens judgement: for pod carriers the pod spec and its
 * annotations (so scaling a Deployment is not judged), for everything else the spec.
 */
function judgedParts(obj: KubeObject): unknown {
  const pod = podTemplateOf(obj);
  if (pod) return { spec: pod.spec, annotations: pod.metadata.annotations };
  return { spec: obj.spec };
}

/**
 * The verdict of every Bonsai policy on one admission request. Like the built-in PodSecurity admission,
 * an update that leaves the spec unchanged (scaling through the scale subresource, labels, status) is not
 * judged again, so objects admitted before a policy tightened can still be managed. Workloads are judged
 * as their pods will be admitted: after the module's mutations (the context says mutate).
 */
export function decideAdmission(input: AdmissionInput, ctx: PolicyContext, deadline?: Deadline): AdmissionDecision {
  if (input.operation === "DELETE") {
    const refusal = defaultDenyDeletion(input.oldObject, input.username);
    return refusal
      ? { allowed: false, message: refusal, warnings: [], results: [] }
      : { allowed: true, warnings: [], results: [] };
  }
  const object = input.object;
  if (!object) return { allowed: true, warnings: [], results: [] };
  // A namespace update that weakens enforcement is refused even when nothing else changed.
  if (input.operation === "UPDATE" && input.oldObject && object.kind === "Namespace") {
    const weakened = applyModes(namespaceLabelChanges(input.oldObject, object, input.username));
    const denied = weakened.filter(isEnforcedFailure);
    if (denied.length)
      return { allowed: false, message: denialMessage(object, denied), warnings: [], results: weakened };
  }
  // Limits before the comparison below: it recurses, and deep nesting must not reach it.
  const unchanged =
    input.operation === "UPDATE" &&
    input.oldObject &&
    !inputLimitProblem(object) &&
    !inputLimitProblem(input.oldObject) &&
    isDeepStrictEqual(judgedParts(input.oldObject), judgedParts(object));
  if (unchanged) return { allowed: true, warnings: [], results: [] };
  const results = evaluateObject(object, ctx, deadline);
  const overBudget = results.find(r => r.policy === ENGINE_POLICY && r.result === "fail")?.rule as
    | AdmissionDecision["overBudget"]
    | undefined;
  const warnings = results.filter(r => r.result === "warn").map(r => `[${r.policy}/${r.rule}] ${r.message}`);
  // Out of time in a fail-open namespace: admit at once with the reason, as the API server would after the
  // timeout (docs/threat-model.md), instead of holding the request. Too large an object is denied everywhere.
  if (overBudget === REQUEST_BUDGET_RULE && isFailOpen(object.metadata?.namespace)) {
    const [r] = results;
    return { allowed: true, warnings: [`[${r.policy}/${r.rule}] ${r.message}`], results, overBudget };
  }
  const denied = results.filter(isEnforcedFailure);
  if (!denied.length) return { allowed: true, warnings, results, overBudget };
  return { allowed: false, message: denialMessage(object, denied), warnings, results, overBudget };
}

/** All violations of one object in one message: object, rule, container, field path, value found, what is allowed. */
export function denialMessage(obj: KubeObject, fails: PolicyResult[]): string {
  const items = fails.map((r, i) => `(${i + 1}) [${r.policy}/${r.rule}] ${r.message}`);
  const noun = fails.length === 1 ? "violation" : "violations";
  return `${objectRef(obj)} is denied by Bonsai guardrails, ${fails.length} ${noun}: ${items.join(" ")}`;
}
