import type { Level } from "../policies/pod-security/check";
import type { KubeObject } from "../k8s/object";
import type { PolicyResult } from "./result";
import type { Exemption } from "./exemptions";

/** LimitRange container defaults known for a namespace: which resources a missing value would be filled for. */
export interface LimitRangeDefaults {
  limits: { cpu: boolean; memory: boolean };
  requests: { cpu: boolean; memory: boolean };
}

/** What a policy may know beyond the object itself; admission and the audit fill it each their own way. */
export interface PolicyContext {
  /** Pod Security Standards profile. */
  level: Level;
  /** Judge objects after the module's mutations. */
  mutate: boolean;
  /** The LimitRange defaults that the API server would apply to containers in `namespace`, if any. */
  limitRangeDefaults(namespace: string): LimitRangeDefaults | undefined;
  /** Valid exemptions in force. */
  exemptions: readonly Exemption[];
  /** Another object by kind, namespace and name, where the caller knows them (offline: the audited objects). */
  lookup?: (kind: string, namespace: string, name: string) => KubeObject | undefined;
}

/** A guardrail: a pure function from an object (and context) to results. */
export interface Policy {
  name: string;
  category: string;
  description: string;
  /** Kinds this policy evaluates. */
  kinds: readonly string[];
  /** Rule names it can report, so that exemptions naming an unknown rule are refused. */
  rules: readonly string[];
  /** Fail results and, when nothing failed, one pass result; nothing for objects it does not cover. */
  evaluate(obj: KubeObject, ctx: PolicyContext): PolicyResult[];
}

/** The usual shape: a list of failures per rule, and one pass when there are none. */
export function verdicts(
  policy: Pick<Policy, "name" | "category">,
  resource: PolicyResult["resource"],
  failures: { rule: string; message: string; severity: PolicyResult["severity"]; fields?: string[] }[],
  passMessage: string,
): PolicyResult[] {
  if (!failures.length) {
    return [
      {
        policy: policy.name,
        rule: "all",
        result: "pass",
        message: passMessage,
        category: policy.category,
        severity: "info",
        resource,
      },
    ];
  }
  return failures.map(f => ({
    policy: policy.name,
    rule: f.rule,
    result: "fail",
    message: f.message,
    category: policy.category,
    severity: f.severity,
    resource,
    ...(f.fields?.length ? { properties: { fields: f.fields.join(",") } } : {}),
  }));
}
