import type { KubeObject } from "../k8s/object";
import type { PolicyResult, Severity } from "./result";
import type { Exemption } from "./exemptions";
import type { QuotaSize } from "../config/quota-sizes";

/** A Pod Security Standards level: a profile to judge against, and the level a check belongs to. */
export type Level = "baseline" | "restricted";

/** How a policy acts on a violation: deny it, admit it with a warning, or admit it and only record it. */
export type Mode = "enforce" | "warn" | "audit";
export const MODES: readonly Mode[] = ["enforce", "warn", "audit"];

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
  /** The cluster's quota size (quota caps, config/quota-sizes.ts); unset: this process's own (its environment). */
  quotaSize?: QuotaSize;
  /** Another object by kind, namespace and name, where the caller knows them (offline: the audited objects). */
  lookup?: (kind: string, namespace: string, name: string) => KubeObject | undefined;
}

/** One thing a policy checks: what an Exemption names, a report shows and docs/guardrails.md lists. */
export interface Rule {
  id: string;
  /** What the rule requires, in one sentence (SARIF's rule description, the docs). */
  title: string;
  /** Severity of its failures. */
  severity: Severity;
  /** For Pod Security checks: the level the check belongs to, which decides its category. */
  level?: Level;
}

/**
 * A guardrail: a pure function from an object (and context) to results, and everything known about it. The
 * registry (./registry.ts) validates these facts when it loads; nothing else restates them.
 */
export interface Policy {
  name: string;
  /** Category of its results; for rules with a level, `levelCategories` decides instead. */
  category: string;
  /** Categories by check level (Pod Security Standards: a baseline-level check is "(Baseline)" in any profile). */
  levelCategories?: Readonly<Record<Level, string>>;
  description: string;
  /** Its mode unless BONSAI_MODES overrides it (./modes.ts). */
  mode: Mode;
  /** Kinds this policy evaluates. */
  kinds: readonly string[];
  /** Rules it can fail; its one pass result per object names no rule of these (exemptions cannot name it). */
  rules: readonly Rule[];
  /** Fail results and, when nothing failed, one pass result; nothing for objects it does not cover. */
  evaluate(obj: KubeObject, ctx: PolicyContext): PolicyResult[];
}

/** The rule `id` of `policy`; an unknown id is a programming error the registry's tests catch. */
export function ruleOf(policy: Pick<Policy, "name" | "rules">, id: string): Rule {
  const rule = policy.rules.find(r => r.id === id);
  if (!rule) throw new Error(`policy ${policy.name} reports rule ${id}, which it does not declare`);
  return rule;
}

/** The category of a rule's results: by its level where the policy categorises by level. */
export function categoryOf(policy: Pick<Policy, "category" | "levelCategories">, rule?: Rule): string {
  return rule?.level && policy.levelCategories ? policy.levelCategories[rule.level] : policy.category;
}

/** The rule name of the one pass result of a policy that found nothing: not a Rule, never exempted. */
export const PASS_RULE = "all";

/** A failure of one of the policy's rules; severity and category come from the rule. */
export interface Failure {
  rule: string;
  message: string;
  fields?: string[];
  /** Only where one case of a rule is less severe than the rule's own severity. */
  severity?: Severity;
}

/** The usual shape: a list of failures per rule, and one pass when there are none. */
export function verdicts(
  policy: Pick<Policy, "name" | "category" | "levelCategories" | "rules">,
  resource: PolicyResult["resource"],
  failures: Failure[],
  passMessage: string,
): PolicyResult[] {
  if (!failures.length) {
    return [
      {
        policy: policy.name,
        rule: PASS_RULE,
        result: "pass",
        message: passMessage,
        category: policy.category,
        severity: "info",
        resource,
      },
    ];
  }
  return failures.map(f => {
    const rule = ruleOf(policy, f.rule);
    return {
      policy: policy.name,
      rule: f.rule,
      result: "fail",
      message: f.message,
      category: categoryOf(policy, rule),
      severity: f.severity ?? rule.severity,
      resource,
      ...(f.fields?.length ? { properties: { fields: f.fields.join(",") } } : {}),
    };
  });
}
