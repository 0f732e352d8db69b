import type { KubeObject } from "../../k8s/object";
import { Policy, verdicts } from "../../engine/policy";
import { resourceRef } from "../../engine/result";
import { EXEMPTION_KIND, parseExemption } from "../../engine/exemptions";

/**
 * Exemption objects are validated like any other: a bad regex or an unknown policy is refused at
 * admission (and reported by the audit) instead of silently exempting nothing or everything.
 */
export function exemptionPolicy(known: () => ReadonlyMap<string, readonly string[]>): Policy {
  const policy: Policy = {
    name: "exemptions",
    category: "Exemptions",
    description: "Exemption objects name known policies and rules, exact namespaces and valid name patterns",
    mode: "enforce",
    kinds: [EXEMPTION_KIND],
    rules: [
      {
        id: "valid-exemption",
        title: "An Exemption names known policies and rules, exact namespaces, valid name patterns and a reason",
        severity: "high",
      },
    ],
    evaluate: (obj: KubeObject) => {
      const { problems } = parseExemption(obj, known());
      return verdicts(
        policy,
        resourceRef(obj),
        problems.map(p => ({
          rule: "valid-exemption",
          fields: [p.path],
          message: `${p.path} ${p.message}`,
        })),
        "valid exemption",
      );
    },
  };
  return policy;
}
