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
import type { Policy } from "./policy";
import { PSS_CHECKS } from "../policies/pod-security/profile";
import { HARDENING_CHECKS } from "../policies/pod-security/checks-hardening";

/** Every Bonsai policy. Admission, the audit and the reports all iterate this one list. */
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

/** policy name -> its rule names; what an Exemption may refer to. */
export const KNOWN_RULES: ReadonlyMap<string, readonly string[]> = new Map(POLICIES.map(p => [p.name, p.rules]));

const BY_KIND = new Map<string, Policy[]>();
for (const p of POLICIES) for (const k of p.kinds) BY_KIND.set(k, [...(BY_KIND.get(k) ?? []), p]);

export function policiesFor(kind: string): readonly Policy[] {
  return BY_KIND.get(kind) ?? [];
}

/** Kinds at least one policy evaluates: what the admission webhooks must be registered for. */
export const GOVERNED_KINDS = [...BY_KIND.keys()];

const CHECK_TITLES = new Map([...PSS_CHECKS, ...HARDENING_CHECKS].map(c => [c.id, c.title]));

/**
 * What a rule requires, in one sentence, for reports that describe rules apart from results (SARIF's rule
 * metadata): a Pod Security check's title, else the policy's description.
 */
export function describeRule(policy: string, rule: string): string | undefined {
  const p = POLICIES.find(x => x.name === policy);
  if (!p) return undefined;
  if (p === podSecurityStandards || p === podHardening) return CHECK_TITLES.get(rule) ?? p.description;
  return p.description;
}
