import { isDeepStrictEqual } from "node:util";
import { KubeObject, objectRef } from "../k8s-object";
import type { PolicyResult } from "../result";
import type { Level } from "./check";
import { podTemplateOf } from "./pod-template";
import { evaluatePodSecurity } from "./policy";

/** What the admission binding answers; a pure value so that tests need no webhook. */
export interface AdmissionDecision {
  allowed: boolean;
  message?: string;
  results: PolicyResult[];
}

export interface AdmissionInput {
  object: KubeObject;
  oldObject?: KubeObject;
  operation: string;
  level?: Level;
}

/**
 * The pod-security verdict for a create or update. Like the built-in PodSecurity admission, an update
 * that leaves the pod template unchanged (scaling, labels, status) is not judged again, so that objects
 * admitted before a policy tightened can still be managed.
 */
export function decidePodSecurity(input: AdmissionInput): AdmissionDecision {
  if (input.operation === "UPDATE" && input.oldObject) {
    const before = podTemplateOf(input.oldObject);
    const after = podTemplateOf(input.object);
    if (
      before &&
      after &&
      isDeepStrictEqual(before.spec, after.spec) &&
      isDeepStrictEqual(annotationsOf(before), annotationsOf(after))
    ) {
      return { allowed: true, results: [] };
    }
  }
  // Workloads are judged as their pods will be admitted: after the module's mutations.
  const results = evaluatePodSecurity(input.object, { level: input.level ?? "restricted", mutate: true });
  const fails = results.filter(r => r.result === "fail");
  if (!fails.length) return { allowed: true, results };
  return { allowed: false, message: denialMessage(input.object, fails, input.level ?? "restricted"), results };
}

function annotationsOf(pod: { metadata: { annotations?: Record<string, string> } }) {
  return pod.metadata.annotations ?? {};
}

/** All violations of one object in one message: object, rule, container, field path, value found, what is allowed. */
export function denialMessage(obj: KubeObject, fails: PolicyResult[], level: Level): string {
  const items = fails.map((r, i) => `(${i + 1}) [${r.policy}/${r.rule}] ${r.message}`);
  const noun = fails.length === 1 ? "violation" : "violations";
  return `${objectRef(obj)} is denied by Bonsai pod security (profile ${level}), ${fails.length} ${noun}: ${items.join(" ")}`;
}
