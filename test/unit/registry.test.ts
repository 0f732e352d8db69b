import {
  ADMISSION_KINDS,
  KNOWN_RULES,
  POLICIES,
  SCAN_KINDS,
  validateRegistry,
} from "../../capabilities/engine/registry";
import type { Policy } from "../../capabilities/engine/policy";
import { parseExemption } from "../../capabilities/engine/exemptions";
import { serviceType } from "../../capabilities/policies/services/service-type";

const variant = (over: Partial<Policy>): Policy => ({ ...serviceType, ...over });

describe("the policy registry", () => {
  it("loads: unique names and rule IDs, known modes and kinds, a title and severity per rule", () => {
    expect(() => validateRegistry(POLICIES)).not.toThrow();
  });

  it.each([
    ["a policy registered twice", [serviceType, serviceType], /registered twice/],
    ["a rule declared twice", [variant({ rules: [serviceType.rules[0], serviceType.rules[0]] })], /declared twice/],
    [
      "a rule named like a pass result",
      [variant({ rules: [{ id: "all", title: "t", severity: "low" }] })],
      /name of a pass result/,
    ],
    ["an unknown mode", [variant({ mode: "block" as Policy["mode"] })], /mode "block"/],
    ["a kind without API information", [variant({ kinds: ["Gadget"] })], /kind Gadget is missing/],
    ["a rule without a title", [variant({ rules: [{ id: "r", title: "", severity: "low" }] })], /needs a title/],
  ])("refuses %s", (_, policies, message) => expect(() => validateRegistry(policies)).toThrow(message));

  it("lets Exemptions name rules, never the pass results", () => {
    const exemption = (rules: string[]) => ({
      apiVersion: "policy.bonsai.dev/v1alpha1",
      kind: "Exemption",
      metadata: { name: "e" },
      spec: {
        reason: "the ingress controller's entry point",
        policies: [{ policy: "service-type", rules }],
        match: { namespaces: ["ingress-nginx"] },
      },
    });
    expect(parseExemption(exemption(["loadbalancer"]), KNOWN_RULES).problems).toEqual([]);
    expect(parseExemption(exemption(["all"]), KNOWN_RULES).problems[0].path).toBe("spec.policies[0].rules[0]");
  });

  it("derives the admission and scan kinds: every governed kind is bound, the scan skips ReplicaSets and unlisted kinds", () => {
    expect(ADMISSION_KINDS).toEqual(expect.arrayContaining(["Pod", "Deployment", "ReplicaSet", "Exemption", "Role"]));
    expect(SCAN_KINDS).not.toContain("ReplicaSet");
    // The module's ServiceAccount may not list Roles (package.json pepr.rbac), so the scan cannot either.
    expect(SCAN_KINDS).not.toContain("Role");
    expect(SCAN_KINDS).toEqual(expect.arrayContaining(["Pod", "Service", "NetworkPolicy", "Exemption"]));
  });
});
