import { join, relative } from "node:path";
import { POLICIES } from "../../capabilities/engine/registry";
import { findPolicyTests, readPolicyTest, runPolicyTest } from "../../lib/policy-test/policy-test";

const ROOT = join(__dirname, "..", "..");
const tests = findPolicyTests([join(ROOT, "capabilities", "policies")]).map(readPolicyTest);

/** Rules no fixture can show, and where they are proven instead. */
const PROVEN_ELSEWHERE: Record<string, string> = {
  "network-flows/default-deny": "a deletion, which only admission judges (test/unit/admission.test.ts)",
  "pod-security-standards/*":
    "each check against Pod Security Admission's fixtures (test/unit/pss-conformance.test.ts)",
  "pod-hardening/pod-template": "test/unit/pod-security-checks.test.ts",
  "namespace-labels/*": "it judges updates against the old object, only at admission (security-policies.test.ts)",
};

describe.each(tests.map(t => [relative(ROOT, t.file), t] as const))("%s", (_, test) => {
  it("gets exactly the expected results from the engine bonsai audit runs", () => {
    expect(runPolicyTest(test).problems).toEqual([]);
  });
});

describe("policy fixtures", () => {
  it.each(POLICIES.map(p => [p.name, p] as const))(
    "%s has a test with a pass and a failure of each rule",
    (name, p) => {
      const expected = tests.flatMap(t => t.expect).filter(e => e.policy === name);
      if (!PROVEN_ELSEWHERE[`${name}/*`]) expect(expected.some(e => e.result === "pass")).toBe(true);
      const shown = new Set(expected.filter(e => e.result !== "pass").map(e => e.rule));
      const missing = p.rules
        .map(r => r.id)
        .filter(id => !shown.has(id) && !PROVEN_ELSEWHERE[`${name}/${id}`] && !PROVEN_ELSEWHERE[`${name}/*`]);
      expect(missing).toEqual([]);
    },
  );
});
