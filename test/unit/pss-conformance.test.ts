import { parse } from "yaml";
import { podSecurityResults } from "./pod-security-results";
import { PSS_POLICY } from "../../capabilities/policies/pod-security/policy";
import type { KubeObject } from "../../capabilities/k8s/object";
import { loadPsaFixtures, PSA_VERSION } from "../../tools/psa-fixtures";

// Every fixture Pod Security Admission v0.35 ships must get the same verdict from our checks.
const fixtures = loadPsaFixtures();

describe(`Pod Security Admission ${PSA_VERSION} fixtures (v1.35)`, () => {
  it("are all there (49 baseline, 99 restricted)", () => {
    expect(fixtures.filter(f => f.level === "baseline")).toHaveLength(49);
    expect(fixtures.filter(f => f.level === "restricted")).toHaveLength(99);
  });

  describe.each(fixtures.map(f => [`${f.level}/${f.expect}/${f.file.split("/").pop()}`, f] as const))("%s", (_, f) => {
    it(`gets ${f.expect === "fail" ? "at least one" : "no"} ${PSS_POLICY} fail at ${f.level}`, () => {
      const pod = parse(f.text) as KubeObject;
      const fails = podSecurityResults(pod, { level: f.level }).filter(
        r => r.result === "fail" && r.policy === PSS_POLICY,
      );
      if (f.expect === "fail") expect(fails.length).toBeGreaterThan(0);
      else expect(fails.map(r => r.message)).toEqual([]);
    });
  });

  // The check named by a fail fixture's file name must be among the failing rules: right verdict, right reason.
  it("fail fixtures fail the check their file is named after", () => {
    const misattributed: string[] = [];
    for (const f of fixtures.filter(x => x.expect === "fail")) {
      const expected = f.file
        .split("/")
        .pop()!
        .replace(/\d+\.yaml$/, "");
      const rules = podSecurityResults(parse(f.text) as KubeObject, { level: f.level })
        .filter(r => r.result === "fail")
        .map(r => r.rule.toLowerCase());
      // At restricted, a restricted check replaces its baseline counterpart (e.g. hostPathVolumes -> restrictedVolumes).
      const replacements: Record<string, string> = {
        hostpathvolumes: "restrictedvolumes",
        capabilities_baseline: "capabilities_restricted",
        seccompprofile_baseline: "seccompprofile_restricted",
        procmount: "procmount_restricted",
      };
      const accepted = [expected, f.level === "restricted" ? replacements[expected] : undefined];
      if (!rules.some(r => accepted.includes(r))) misattributed.push(`${f.level}/${expected}: got ${rules.join(",")}`);
    }
    expect(misattributed).toEqual([]);
  });
});
