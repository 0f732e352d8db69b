import { evaluateObject, EvaluateOptions } from "../../capabilities/policies/engine";
import type { PolicyResult } from "../../capabilities/policies/result";
import type { LoadedInputs } from "./load";

/** Evaluates every loaded object; foreign documents become `skip` results so the user sees them. */
export function auditObjects(inputs: LoadedInputs, options: EvaluateOptions): PolicyResult[] {
  const results: PolicyResult[] = [];
  for (const { object, source } of inputs.objects) {
    for (const r of evaluateObject(object, options)) {
      results.push({ ...r, properties: { ...r.properties, source } });
    }
  }
  for (const doc of inputs.foreign) {
    results.push({
      policy: "bonsai",
      rule: "kubernetes-object",
      result: "skip",
      message: `${doc.source}: ${doc.reason}`,
      category: "Coverage",
      severity: "info",
      resource: { apiVersion: "", kind: "", name: doc.source },
      properties: { source: doc.source },
    });
  }
  return results;
}
