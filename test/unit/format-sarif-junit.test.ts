import Ajv from "ajv-draft-04";
import { formatSarif } from "../../cli/format/sarif";
import { formatJunit } from "../../cli/format/junit";
import { buildReports } from "../../capabilities/reports/policy-report";
import { contextFromObjects } from "../../capabilities/engine/context";
import { evaluateObject } from "../../capabilities/engine/engine";
import type { KubeObject } from "../../capabilities/k8s/object";
import type { PolicyResult } from "../../capabilities/engine/result";
import { sarifSchema } from "../../tools/sarif-schema";
import { asWorkload, compliantPod, withSpec } from "../support/pods";

const lb: KubeObject = {
  apiVersion: "v1",
  kind: "Service",
  metadata: { name: "ingress-nginx-controller", namespace: "ingress-nginx" },
  spec: { type: "LoadBalancer" },
};
const exemption: KubeObject = {
  apiVersion: "policy.bonsai.dev/v1alpha1",
  kind: "Exemption",
  metadata: { name: "ingress-lb" },
  spec: {
    reason: "The single entry point of the platform.",
    policies: [{ policy: "service-type", rules: ["loadbalancer"] }],
    match: { namespaces: ["ingress-nginx"] },
  },
};
const objects: KubeObject[] = [
  compliantPod("good"),
  asWorkload(
    "Deployment",
    withSpec(compliantPod(), s => (s.containers[0].securityContext.privileged = true)),
  ),
  { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "shop" } },
  { apiVersion: "v1", kind: "Pod", metadata: {} },
  lb,
  exemption,
];
const ctx = contextFromObjects(objects, { level: "restricted", mutate: false });
const results: PolicyResult[] = objects.flatMap((o, i) =>
  evaluateObject(o, ctx).map(r => ({
    ...r,
    properties: { ...r.properties, source: `apps/x/file-${i}.yaml (document ${i + 1})` },
  })),
);
const list = buildReports(results, "bonsai-audit");

describe("SARIF 2.1.0", () => {
  const sarif = JSON.parse(formatSarif(list, "0.1.0"));

  it("validates against the official SARIF 2.1.0 schema", () => {
    const validate = new Ajv({ strict: false, validateFormats: false, logger: false }).compile(sarifSchema());
    const ok = validate(sarif);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // Control: the validator does reject a document that is not SARIF.
    expect(validate({ version: "2.1.0", runs: [{ results: [] }] })).toBe(false);
  });

  it("has one rule per policy/rule and one result per finding, with levels, files and resources", () => {
    const run = sarif.runs[0];
    expect(run.tool.driver.name).toBe("bonsai");
    const priv = run.results.find((r: any) => r.ruleId === "pod-security-standards/privileged");
    expect(priv).toMatchObject({
      level: "error",
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: "apps/x/file-1.yaml" } },
          logicalLocations: [{ name: "Deployment shop/w" }],
        },
      ],
    });
    expect(run.tool.driver.rules[priv.ruleIndex].id).toBe(priv.ruleId);
    // Rule metadata says what the rule requires, not a fragment of the first result's message.
    const ruleText = (id: string) => run.tool.driver.rules.find((r: any) => r.id === id)?.fullDescription.text;
    expect(ruleText("pod-security-standards/privileged")).toBe("Privileged containers are forbidden");
    expect(ruleText("service-type/loadbalancer")).toBe(
      "Services are not of type LoadBalancer, unless an Exemption allows it",
    );
    expect(run.results.find((r: any) => r.ruleId === "bonsai/well-formed-object").level).toBe("error");
    expect(run.results.some((r: any) => r.ruleId.startsWith("pod-security-standards/restricted"))).toBe(false);
    expect(run.results.some((r: any) => r.ruleId === "bonsai/applicable-policies")).toBe(false);
  });

  it("reports an exempted violation as a suppressed note naming the exemption", () => {
    const lbResult = sarif.runs[0].results.find((r: any) => r.ruleId === "service-type/loadbalancer");
    expect(lbResult).toMatchObject({
      level: "note",
      suppressions: [{ kind: "external", justification: "Exemption ingress-lb" }],
    });
  });

  it("is stable: the same input gives the same bytes", () => {
    expect(formatSarif(buildReports([...results].reverse(), "bonsai-audit"), "0.1.0")).toBe(formatSarif(list, "0.1.0"));
  });
});

describe("JUnit XML", () => {
  const xml = formatJunit(list);
  const attr = (tag: string, name: string) =>
    [...xml.matchAll(new RegExp(`<${tag} [^>]*${name}="(\\d+)"`, "g"))].map(m => Number(m[1]));

  it("has a testsuite per policy whose counts add up to the testcases", () => {
    const suites = [...xml.matchAll(/<testsuite name="([^"]+)" tests="(\d+)"/g)].map(
      m => [m[1], Number(m[2])] as const,
    );
    expect(suites.map(s => s[0])).toEqual([...new Set(results.map(r => r.policy))].sort());
    expect(suites.reduce((a, s) => a + s[1], 0)).toBe(results.length);
    expect((xml.match(/<testcase /g) ?? []).length).toBe(results.length);
    expect(attr("testsuites", "failures")[0]).toBe(
      results.filter(r => r.result === "fail" || r.result === "warn").length,
    );
    expect(attr("testsuites", "errors")[0]).toBe(results.filter(r => r.result === "error").length);
    expect(attr("testsuites", "skipped")[0]).toBe(results.filter(r => r.result === "skip").length);
  });

  it("marks fails as <failure>, errors as <error>, skips as <skipped>, and escapes XML", () => {
    expect(xml).toMatch(
      /<testcase classname="pod-security-standards" name="privileged Deployment shop\/w"><failure message="[^"]*&quot;app&quot;/,
    );
    expect(xml).toMatch(/<testcase classname="bonsai" name="well-formed-object Pod "><error /);
    expect(xml).toMatch(
      /<testcase classname="service-type" name="loadbalancer Service ingress-nginx\/ingress-nginx-controller"><skipped message="exempted by Exemption ingress-lb/,
    );
    expect((xml.match(/<testcase /g) ?? []).length).toBe((xml.match(/<\/testcase>/g) ?? []).length);
    expect(
      formatJunit(buildReports([{ ...results[0], result: "fail", message: `a <b> & "c" \u0001` }], "x")),
    ).toContain('message="a &lt;b&gt; &amp; &quot;c&quot; "');
  });
});
