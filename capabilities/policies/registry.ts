import { containerResources } from "./resources/container-resources";
import { resourceCaps } from "./resources/resource-caps";
import { networkFlows } from "./network/network-flows";
import { serviceType } from "./services/service-type";
import { imageReference } from "./images/image-reference";
import { exemptionPolicy } from "./exemptions/exemption-policy";
import { podHardening, podSecurityStandards } from "./pod-security/policy";
import type { Policy } from "./policy";

/** Every Bonsai policy. Admission, the audit and the reports all iterate this one list. */
export const POLICIES: readonly Policy[] = [
  podSecurityStandards,
  podHardening,
  containerResources,
  imageReference,
  resourceCaps,
  networkFlows,
  serviceType,
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
