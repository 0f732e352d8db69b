import { KubeObject, list, record, show } from "../../k8s/object";
import { Policy, verdicts } from "../../engine/policy";
import { resourceRef } from "../../engine/result";

/**
 * Roles and ClusterRoles grant what their subjects use, nothing an attacker who steals a token could turn
 * into more: no wildcards, no Secret reads in every namespace, no verbs that mint privileges, no shell into
 * pods or nodes. The same check runs over the whole rendered tree in test/repo/rbac.test.ts, where each
 * exception carries its reason; users get it for their own repositories (warn by default).
 */
const READ_VERBS = ["get", "list", "watch", "*"];
const ESCALATING_VERBS = ["escalate", "bind", "impersonate"];
const SHELL_RESOURCES = ["pods/exec", "pods/attach", "nodes/proxy"];

interface Failure {
  rule: string;
  severity: "high" | "critical";
  fields: string[];
  message: string;
}

function ruleFailures(kind: string, rule: Record<string, unknown>, path: string): Failure[] {
  const out: Failure[] = [];
  const groups = list<string>(rule.apiGroups);
  const resources = list<string>(rule.resources);
  const verbs = list<string>(rule.verbs);
  for (const field of ["apiGroups", "resources", "verbs", "nonResourceURLs"]) {
    if (list(rule[field]).some(v => v === "*" || (field === "resources" && typeof v === "string" && v.endsWith("/*"))))
      out.push({
        rule: "no-wildcards",
        severity: "high",
        fields: [`${path}.${field}`],
        message: `${path}.${field} is ${show(rule[field])}; allowed: the ${field} the subject uses, listed by name ("*" also grants whatever is added later)`,
      });
  }
  const coreGroup = groups.includes("") || groups.includes("*");
  const secrets = coreGroup && (resources.includes("secrets") || resources.includes("*"));
  if (kind === "ClusterRole" && secrets && verbs.some(v => READ_VERBS.includes(v)) && !list(rule.resourceNames).length)
    out.push({
      rule: "no-cluster-secret-reads",
      severity: "critical",
      fields: [`${path}.resources`],
      message: `${path} lets a ClusterRole ${verbs.filter(v => READ_VERBS.includes(v)).join("/")} Secrets, in every namespace once bound by a ClusterRoleBinding; allowed: a Role (+ RoleBinding) in the namespace that holds the Secrets, or resourceNames`,
    });
  const escalating = verbs.filter(v => ESCALATING_VERBS.includes(v));
  if (escalating.length)
    out.push({
      rule: "no-privilege-escalation",
      severity: "critical",
      fields: [`${path}.verbs`],
      message: `${path}.verbs contains ${escalating.map(v => `"${v}"`).join(", ")}; allowed: none of escalate, bind, impersonate (each lets the subject grant itself more than it holds)`,
    });
  const shells = resources.filter(r => SHELL_RESOURCES.includes(r));
  if (shells.length && coreGroup)
    out.push({
      rule: "no-exec-or-node-proxy",
      severity: "critical",
      fields: [`${path}.resources`],
      message: `${path}.resources contains ${shells.map(r => `"${r}"`).join(", ")}; allowed: none of pods/exec, pods/attach, nodes/proxy (a shell in a pod or the kubelet's API)`,
    });
  return out;
}

export const rbacGrants: Policy = {
  name: "rbac-grants",
  category: "RBAC",
  description:
    "Roles and ClusterRoles without wildcards, cluster-wide Secret reads, escalate/bind/impersonate, pods/exec or nodes/proxy",
  // New checks start as warnings (the users' repositories have not been through them yet).
  mode: "warn",
  kinds: ["Role", "ClusterRole"],
  rules: [
    { id: "no-wildcards", title: 'Rules list API groups, resources and verbs by name, never "*"', severity: "high" },
    {
      id: "no-cluster-secret-reads",
      title: "No ClusterRole reads Secrets in every namespace (use a Role, or resourceNames)",
      severity: "critical",
    },
    { id: "no-privilege-escalation", title: "No role grants escalate, bind or impersonate", severity: "critical" },
    {
      id: "no-exec-or-node-proxy",
      title: "No role grants pods/exec, pods/attach or nodes/proxy",
      severity: "critical",
    },
  ],
  evaluate: (obj: KubeObject) => {
    const kind = String(obj.kind);
    const failures = list(obj.rules).flatMap((r, i) => ruleFailures(kind, record(r) ?? {}, `rules[${i}]`));
    return verdicts(rbacGrants, resourceRef(obj), failures, `${kind} grants no wide or escalating permission`);
  },
};
