import { ReportStore } from "../../capabilities/reports/report-store";
import type { PolicyResult } from "../../capabilities/engine/result";

const result = (i: number, over: Partial<PolicyResult> = {}): PolicyResult => ({
  policy: "pod-security-standards",
  rule: "privileged",
  result: "fail",
  message: `violation ${i}`,
  category: "Pod Security Standards (Restricted)",
  severity: "high",
  resource: { apiVersion: "v1", kind: "Pod", name: `p${i}`, namespace: "backend" },
  ...over,
});

describe("ReportStore", () => {
  it("de-duplicates by resource, policy and rule: the newest verdict wins", () => {
    const store = new ReportStore("bonsai-scan");
    store.record([result(1)], 100);
    store.record([result(1, { result: "pass", message: "fixed" })], 200);
    const [report] = store.reports();
    expect(report.summary).toEqual({ pass: 1, fail: 0, warn: 0, error: 0, skip: 0 });
    expect(report.results).toEqual([
      expect.objectContaining({ result: "pass", message: "fixed", timestamp: { seconds: 200, nanos: 0 } }),
    ]);
  });

  it("replace() drops what a new scan no longer sees", () => {
    const store = new ReportStore("bonsai-scan");
    store.record([result(1), result(2)]);
    store.replace([result(2)]);
    expect(store.reports()[0].results.map(r => r.message)).toEqual(["violation 2"]);
  });

  it("groups by namespace, cluster-scoped kinds into the ClusterPolicyReport", () => {
    const store = new ReportStore("r");
    store.record([
      result(1),
      result(2, { resource: { apiVersion: "v1", kind: "Pod", name: "x", namespace: "infra" } }),
    ]);
    store.record([result(3, { resource: { apiVersion: "policy.bonsai.dev/v1alpha1", kind: "Exemption", name: "e" } })]);
    expect(store.reports().map(r => [r.kind, r.metadata.namespace])).toEqual([
      ["ClusterPolicyReport", undefined],
      ["PolicyReport", "backend"],
      ["PolicyReport", "infra"],
    ]);
  });

  it.each([1_000, 10_000])("stays under its cap with %d violations, failures first, and says what it cut", n => {
    const store = new ReportStore("bonsai-scan", 500);
    const passes = Array.from({ length: n }, (_, i) =>
      result(i, { rule: "restricted", result: "pass", message: "ok" }),
    );
    const fails = Array.from({ length: n }, (_, i) => result(i));
    store.record([...passes, ...fails]);
    const [report] = store.reports();
    expect(report.results).toHaveLength(500);
    expect(report.summary).toEqual({ pass: n, fail: n, warn: 0, error: 0, skip: 0 });
    expect(report.results.slice(0, 499).every(r => r.result === "fail")).toBe(true);
    const last = report.results[499];
    expect(last).toMatchObject({ rule: "report-size-cap", properties: { omitted: String(2 * n - 499) } });
    expect(last.message).toContain(`${2 * n - 499} results omitted`);
    const bytes = Buffer.byteLength(JSON.stringify(report));
    process.stderr.write(
      `[report-store] ${n} fails + ${n} passes -> ${report.results.length} results, ${bytes} bytes\n`,
    );
    expect(bytes).toBeLessThan(400_000);
  });

  it("keeps everything when at the cap exactly", () => {
    const store = new ReportStore("r", 3);
    store.record([result(1), result(2), result(3)]);
    expect(store.reports()[0].results.map(r => r.rule)).toEqual(["privileged", "privileged", "privileged"]);
  });
});
