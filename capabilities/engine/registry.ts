import { containerResources } from "../policies/resources/container-resources";
import { resourceCaps } from "../policies/resources/resource-caps";
import { networkFlows } from "../policies/network/network-flows";
import { serviceType } from "../policies/services/service-type";
import { imageReference } from "../policies/images/image-reference";
import { rbacGrants } from "../policies/rbac/rbac-grants";
import { workloadHygiene } from "../policies/workloads/workload-hygiene";
import { namespaceLabels, namespacePodSecurity } from "../policies/namespaces/namespace-labels";
import { exemptionPolicy } from "../policies/exemptions/policy";
import { podHardening, podSecurityStandards } from "../policies/pod-security/policy";
import { groupOf, KINDS } from "../k8s/kinds";
import moduleConfig from "../../package.json";
import { categoryOf, MODES, PASS_RULE, Policy, Rule } from "./policy";

/** Every Bonsai policy. Admission, the audit, the reports and docs/guardrails.md all read this one list. */
export const POLICIES: readonly Policy[] = [
  podSecurityStandards,
  podHardening,
  containerResources,
  imageReference,
  resourceCaps,
  networkFlows,
  serviceType,
  rbacGrants,
  workloadHygiene,
  namespaceLabels,
  namespacePodSecurity,
  exemptionPolicy(() => KNOWN_RULES),
];

/** Rule IDs that name pass results ("all", and a Pod Security profile): no rule may take them. */
const PASS_RULES = new Set([PASS_RULE, "baseline", "restricted"]);

/**
 * The registry's facts checked when it loads, as Pod Security Admission checks its checks when the evaluator
 * is built: unique policy names and rule IDs, known modes and kinds, a title and severity for every rule, and no
 * rule named like a pass result (an Exemption could otherwise lift "all"). Throws naming the policy and the fix.
 */
export function validateRegistry(policies: readonly Policy[]): void {
  const names = new Set<string>();
  for (const p of policies) {
    const where = `policy ${JSON.stringify(p.name)}`;
    if (!/^[a-z][a-z0-9-]*$/.test(p.name)) throw new Error(`${where}: a name is lower-case words joined by "-"`);
    if (names.has(p.name)) throw new Error(`${where} is registered twice; policy names are unique`);
    names.add(p.name);
    if (!MODES.includes(p.mode)) throw new Error(`${where}: mode ${JSON.stringify(p.mode)}; use ${MODES.join(", ")}`);
    if (!p.kinds.length) throw new Error(`${where} evaluates no kind`);
    for (const k of p.kinds)
      if (!KINDS[k]) throw new Error(`${where}: kind ${k} is missing from capabilities/k8s/kinds.ts`);
    if (!p.rules.length) throw new Error(`${where} declares no rule`);
    const ids = new Set<string>();
    for (const r of p.rules) {
      if (ids.has(r.id)) throw new Error(`${where}: rule ${r.id} is declared twice`);
      ids.add(r.id);
      if (PASS_RULES.has(r.id)) throw new Error(`${where}: rule ${r.id} is the name of a pass result; rename it`);
      if (!r.title || !r.severity) throw new Error(`${where}: rule ${r.id} needs a title and a severity`);
    }
  }
}

validateRegistry(POLICIES);

/** policy name -> its rule IDs; what an Exemption may name (pass results are not rules and cannot be named). */
export const KNOWN_RULES: ReadonlyMap<string, readonly string[]> = new Map(
  POLICIES.map(p => [p.name, p.rules.map(r => r.id)]),
);

const BY_KIND = new Map<string, Policy[]>();
for (const p of POLICIES) for (const k of p.kinds) BY_KIND.set(k, [...(BY_KIND.get(k) ?? []), p]);

export function policiesFor(kind: string): readonly Policy[] {
  return BY_KIND.get(kind) ?? [];
}

/** Kinds at least one policy evaluates: `bonsai audit` judges them, admission binds them. */
export const GOVERNED_KINDS = [...BY_KIND.keys()];

/**
 * Governed kinds deliberately not validated at admission; judged offline only. ClusterRole: a webhook's
 * namespaceSelector cannot exclude cluster-scoped objects, so the fail-closed webhook would judge the module's
 * own ClusterRole, which `npx pepr deploy` applies after the webhook configurations and before any controller
 * answers — the install fails on a fresh cluster, and an upgrade (new CA, old pods) fails half-way. rbac-grants is
 * warn-only; the tree's ClusterRoles are judged by `bonsai audit` and test/repo/rbac.test.ts
 * (test/e2e/deploy.test.ts installs with `pepr deploy` and fails without this).
 */
export const NOT_AT_ADMISSION: readonly string[] = ["ClusterRole"];

/** Kinds the validating webhook is registered for (capabilities/guardrails.ts binds each on create and update). */
export const ADMISSION_KINDS = GOVERNED_KINDS.filter(k => !NOT_AT_ADMISSION.includes(k));

/** Whether the module's ServiceAccount may list a kind (package.json `pepr.rbac`, the permissions it is given). */
function moduleMayList(kind: string): boolean {
  const { apiVersion, plural } = KINDS[kind];
  return moduleConfig.pepr.rbac.some(
    r => r.apiGroups.includes(groupOf(apiVersion)) && r.resources.includes(plural) && r.verbs.includes("list"),
  );
}

/**
 * Kinds the background scan lists and `bonsai up` sums up: the admission kinds the module may list, without
 * ReplicaSets (their Deployments are judged; judging both would report every finding twice).
 */
export const SCAN_KINDS = ADMISSION_KINDS.filter(k => k !== "ReplicaSet" && moduleMayList(k));

export function policyNamed(name: string): Policy | undefined {
  return POLICIES.find(p => p.name === name);
}

/** The declared rule of a policy, or undefined (pass results and the engine's own results have none). */
export function ruleNamed(policy: string, rule: string): Rule | undefined {
  return policyNamed(policy)?.rules.find(r => r.id === rule);
}

/**
 * What a rule requires, in one sentence, for reports that describe rules apart from results (SARIF's rule
 * metadata): the rule's title, else (a pass result) the policy's description.
 */
export function describeRule(policy: string, rule: string): string | undefined {
  return ruleNamed(policy, rule)?.title ?? policyNamed(policy)?.description;
}

/** The category of a rule's results (Pod Security: by the check's level), or undefined for an unknown policy. */
export function ruleCategory(policy: string, rule: string): string | undefined {
  const p = policyNamed(policy);
  return p && categoryOf(p, ruleNamed(policy, rule));
}
