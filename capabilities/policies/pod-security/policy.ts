import { KubeObject, show } from "../../k8s/object";
import { PolicyResult, resourceRef } from "../../engine/result";
import type { Finding, Level, PodCheck } from "./check";
import { HARDENING_CHECKS } from "./checks-hardening";
import { podTemplateOf, POD_CARRYING_KINDS } from "../../k8s/pod-template";
import { checksFor, PSS_CHECKS } from "./profile";
import { categoryOf, PASS_RULE, Policy, Rule, ruleOf } from "../../engine/policy";

export const PSS_POLICY = "pod-security-standards";
export const HARDENING_POLICY = "pod-hardening";

/** The Kyverno / Policy Reporter convention: a check's category follows its own level, whatever the profile. */
export const PSS_CATEGORIES: Readonly<Record<Level, string>> = {
  baseline: "Pod Security Standards (Baseline)",
  restricted: "Pod Security Standards (Restricted)",
};

/** A workload without a pod spec where its kind keeps one: an error of either pod policy. */
const POD_TEMPLATE_RULE: Rule = {
  id: "pod-template",
  title: "Pods and workloads carry a pod spec where their kind keeps one",
  severity: "high",
};

/** A check as a rule: baseline-level checks guard against known privilege escalations, hence high. */
const asRule = (c: PodCheck): Rule => ({
  id: c.id,
  title: c.title,
  severity: c.level === "baseline" ? "high" : "medium",
  level: c.level,
});

export function describeFinding(f: Finding): string {
  const where = f.container ? `${f.path} (container "${f.container}")` : f.path;
  return `${where} is ${show(f.found)}; allowed: ${f.allowed}`;
}

/** One result per failed check, or one pass naming `passRule`; the pod-template error when there is no pod spec. */
function judge(obj: KubeObject, checks: PodCheck[], policy: Policy, profile: Level, passRule: string): PolicyResult[] {
  const pod = podTemplateOf(obj);
  if (!pod) return [];
  const resource = resourceRef(obj);
  // The profile's category for what belongs to no single check (the pass, the missing pod spec).
  const category = policy.levelCategories?.[profile] ?? policy.category;
  if (pod.missing) {
    return [
      {
        policy: policy.name,
        rule: POD_TEMPLATE_RULE.id,
        result: "error",
        message: `${obj.kind} has no pod spec at ${pod.missing}; add one (the API server rejects the object without it)`,
        category,
        severity: POD_TEMPLATE_RULE.severity,
        resource,
      },
    ];
  }
  const results: PolicyResult[] = [];
  for (const check of checks) {
    const findings = check.check(pod);
    if (!findings.length) continue;
    const rule = ruleOf(policy, check.id);
    results.push({
      policy: policy.name,
      rule: check.id,
      result: "fail",
      message: `${check.title}: ${findings.map(describeFinding).join("; ")}`,
      category: categoryOf(policy, rule),
      severity: rule.severity,
      resource,
      properties: { level: check.level, fields: findings.map(f => f.path).join(",") },
    });
  }
  if (!results.length) {
    results.push({
      policy: policy.name,
      rule: passRule,
      result: "pass",
      message: `all ${checks.length} checks passed`,
      category,
      severity: "info",
      resource,
    });
  }
  return results;
}

/**
 * The Pod Security Standards as a registered policy (profile from the context). Its pass result is named after
 * the profile ("restricted" or "baseline"), as Pod Security Admission names what a pod satisfies.
 */
export const podSecurityStandards: Policy = {
  name: PSS_POLICY,
  category: PSS_CATEGORIES.restricted,
  levelCategories: PSS_CATEGORIES,
  description: "Pod Security Standards, every check of k8s.io/pod-security-admission for Kubernetes 1.35",
  mode: "enforce",
  kinds: POD_CARRYING_KINDS,
  rules: [...PSS_CHECKS.map(asRule), POD_TEMPLATE_RULE],
  // The engine hands every policy the object as it will be admitted (mutated when the context says so).
  evaluate: (obj, ctx) => judge(obj, checksFor(ctx.level), podSecurityStandards, ctx.level, ctx.level),
};

/** The platform's hardening rules (read-only root filesystem, numeric runAsUser), judged at restricted only. */
export const podHardening: Policy = {
  name: HARDENING_POLICY,
  category: "Bonsai Pod Hardening",
  description: "Read-only root filesystem and an explicit numeric, non-zero runAsUser for every container",
  mode: "enforce",
  kinds: POD_CARRYING_KINDS,
  rules: [...HARDENING_CHECKS.map(asRule), POD_TEMPLATE_RULE],
  evaluate: (obj, ctx) =>
    ctx.level === "restricted" ? judge(obj, HARDENING_CHECKS, podHardening, "restricted", PASS_RULE) : [],
};
