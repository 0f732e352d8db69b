import { KubeObject, show } from "../../k8s/object";
import { PolicyResult, resourceRef, Severity } from "../../engine/result";
import type { Finding, Level, PodCheck } from "./check";
import { HARDENING_CHECKS } from "./checks-hardening";
import { withSecureDefaults } from "./mutate";
import { podTemplateOf } from "../../k8s/pod-template";
import { categoryFor, checksFor } from "./profile";
import type { Policy } from "../../engine/policy";

export const PSS_POLICY = "pod-security-standards";
export const HARDENING_POLICY = "pod-hardening";
export const HARDENING_CATEGORY = "Bonsai Pod Hardening";

export interface PodSecurityOptions {
  /** The Pod Security Standards profile to judge against; the platform runs restricted. */
  level: Level;
  /** Judge the object as the cluster would admit it, after the module's mutations (on a copy). */
  mutate?: boolean;
}

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

/**
 * The Pod Security Standards at `level` plus the platform's hardening rules, for a Pod or any
 * workload that carries a pod template. Returns nothing for other kinds.
 */
export function evaluatePodSecurity(obj: KubeObject, options: PodSecurityOptions): PolicyResult[] {
  const subject = options.mutate ? withSecureDefaults(obj) : obj;
  return [
    ...judge(subject, checksFor(options.level), PSS_POLICY, categoryFor(options.level), options.level),
    ...(options.level === "restricted"
      ? judge(subject, HARDENING_CHECKS, HARDENING_POLICY, HARDENING_CATEGORY, "all")
      : []),
  ];
}

const CARRIERS = [
  "Pod",
  "PodTemplate",
  "ReplicationController",
  "ReplicaSet",
  "Deployment",
  "StatefulSet",
  "DaemonSet",
  "Job",
  "CronJob",
];

/** The Pod Security Standards as a registered policy (profile from the context). */
export const podSecurityStandards: Policy = {
  name: PSS_POLICY,
  category: categoryFor("restricted"),
  description: "Pod Security Standards, every check of k8s.io/pod-security-admission for Kubernetes 1.35",
  kinds: CARRIERS,
  rules: [
    ...new Set([...checksFor("restricted"), ...checksFor("baseline")].map(c => c.id)),
    "restricted",
    "baseline",
    "pod-template",
  ],
  evaluate: (obj, ctx) => {
    const subject = ctx.mutate ? withSecureDefaults(obj) : obj;
    return judge(subject, checksFor(ctx.level), PSS_POLICY, categoryFor(ctx.level), ctx.level);
  },
};

/** The platform's hardening rules (read-only root filesystem, numeric runAsUser), judged at restricted only. */
export const podHardening: Policy = {
  name: HARDENING_POLICY,
  category: HARDENING_CATEGORY,
  description: "Read-only root filesystem and an explicit numeric, non-zero runAsUser for every container",
  kinds: CARRIERS,
  rules: [...HARDENING_CHECKS.map(c => c.id), "all", "pod-template"],
  evaluate: (obj, ctx) => {
    if (ctx.level !== "restricted") return [];
    const subject = ctx.mutate ? withSecureDefaults(obj) : obj;
    return judge(subject, HARDENING_CHECKS, HARDENING_POLICY, HARDENING_CATEGORY, "all");
  },
};
