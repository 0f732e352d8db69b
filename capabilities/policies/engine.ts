import type { Level } from "./pod-security/check";
import { evaluatePodSecurity } from "./pod-security/policy";
import { KubeObject, record } from "./k8s-object";
import { PolicyResult, resourceRef } from "./result";

export interface EvaluateOptions {
  /** Pod Security Standards profile; the platform enforces restricted. */
  level: Level;
  /** Evaluate what the cluster would admit after the module's mutations. */
  mutate: boolean;
}

export const ENGINE_POLICY = "bonsai";

/**
 * Every Bonsai policy over one object, as admission and `bonsai audit` both see it. An object no
 * policy applies to gets one `skip` result that says why, so nothing is silently dropped.
 */
export function evaluateObject(obj: KubeObject, options: EvaluateOptions): PolicyResult[] {
  const malformed = malformedReason(obj);
  if (malformed) {
    return [
      {
        policy: ENGINE_POLICY,
        rule: "well-formed-object",
        result: "error",
        message: malformed,
        category: "Input",
        severity: "high",
        resource: resourceRef(obj),
      },
    ];
  }
  const results = evaluatePodSecurity(obj, options);
  if (results.length) return results;
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
