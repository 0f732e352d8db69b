import { GOVERNED_NAMESPACES, gitopsIdentities } from "../../capabilities/policies/namespaces/namespace-labels";
import { find, renderedPlatform } from "./rendered";

// The API server's ValidatingAdmissionPolicy and the module's namespace-labels policy protect the same
// namespaces and exempt the same identity; the e2e outage test (test/e2e/attacks.test.ts, "module outage") runs it for real.
describe("the Pod Security label backstop", () => {
  const vap = find(renderedPlatform(), "ValidatingAdmissionPolicy", undefined, "bonsai-namespace-pod-security")!;
  const conditions = (vap.spec as { matchConditions: { name: string; expression: string }[] }).matchConditions;
  const quoted = (expr: string) => [...expr.matchAll(/'([^']+)'/g)].map(m => m[1]);

  it("covers exactly the module's governed namespaces", () => {
    const expr = conditions.find(c => c.name === "governed-namespace")!.expression;
    expect(quoted(expr).sort()).toEqual([...GOVERNED_NAMESPACES].sort());
  });

  it("exempts exactly the module's GitOps identities", () => {
    const expr = conditions.find(c => c.name === "not-the-gitops-identity")!.expression;
    expect(quoted(expr).sort()).toEqual(gitopsIdentities(undefined).sort());
  });

  it("is bound with Deny", () => {
    const binding = find(
      renderedPlatform(),
      "ValidatingAdmissionPolicyBinding",
      undefined,
      "bonsai-namespace-pod-security",
    )!;
    expect(binding.spec).toEqual({ policyName: "bonsai-namespace-pod-security", validationActions: ["Deny"] });
  });
});
