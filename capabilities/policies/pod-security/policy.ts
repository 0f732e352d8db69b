import { KubeObject, show } from "../../k8s/object";
import { PolicyResult, resourceRef, Severity } from "../../engine/result";
import type { Finding, PodCheck } from "./check";
import { HARDENING_CHECKS } from "./checks-hardening";
import { podTemplateOf, POD_CARRYING_KINDS } from "../../k8s/pod-template";
import { categoryFor, checksFor } from "./profile";
import type { Policy } from "../../engine/policy";

export const PSS_POLICY = "pod-security-standards";
export const HARDENING_POLICY = "pod-hardening";
export const HARDENING_CATEGORY = "Bonsai Pod Hardening";

export function describeFinding(f: Finding): string {
  const where = f.container ? `${f.path} (container "${f.container}")` : f.path;
  return `${where} is ${show(f.found)}; allowed: ${f.allowed}`;
}

function judge(
  obj: KubeObject,
  checks: PodCheck[],
  policy: string,
  category: string,
  passRule: string,
): PolicyResult[] {
  const pod = podTemplateOf(obj);
  if (!pod) return [];
  const resource = resourceRef(obj);
  if (pod.missing) {
    return [
      {
        policy,
        rule: "pod-template",
        result: "error",
        message: `${obj.kind} has no pod spec at ${pod.missing}; add one (the API server rejects the object without it)`,
        category,
        severity: "high",
        resource,
      },
    ];
  }
  const results: PolicyResult[] = [];
  for (const check of checks) {
    const findings = check.check(pod);
    if (!findings.length) continue;
    const severity: Severity = check.level === "baseline" ? "high" : "medium";
    results.push({
      policy,
      rule: check.id,
      result: "fail",
      message: `${check.title}: ${findings.map(describeFinding).join("; ")}`,
      category,
      severity,
      resource,
      properties: { level: check.level, fields: findings.map(f => f.path).join(",") },
    });
  }
  if (!results.length) {
    results.push({
      policy,
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

/** The Pod Security Standards as a registered policy (profile from the context). */
export const podSecurityStandards: Policy = {
  name: PSS_POLICY,
  category: categoryFor("restricted"),
  description: "Pod Security Standards, every check of k8s.io/pod-security-admission for Kubernetes 1.35",
  kinds: POD_CARRYING_KINDS,
  rules: [
    ...new Set([...checksFor("restricted"), ...checksFor("baseline")].map(c => c.id)),
    "restricted",
    "baseline",
    "pod-template",
  ],
  // The engine hands every policy the object as it will be admitted (mutated when the context says so).
  evaluate: (obj, ctx) => judge(obj, checksFor(ctx.level), PSS_POLICY, categoryFor(ctx.level), ctx.level),
};

/** The platform's hardening rules (read-only root filesystem, numeric runAsUser), judged at restricted only. */
export const podHardening: Policy = {
  name: HARDENING_POLICY,
  category: HARDENING_CATEGORY,
  description: "Read-only root filesystem and an explicit numeric, non-zero runAsUser for every container",
  kinds: POD_CARRYING_KINDS,
  rules: [...HARDENING_CHECKS.map(c => c.id), "all", "pod-template"],
  evaluate: (obj, ctx) =>
    ctx.level === "restricted" ? judge(obj, HARDENING_CHECKS, HARDENING_POLICY, HARDENING_CATEGORY, "all") : [],
};
