import { buildReports, compareResults } from "../../capabilities/reports/policy-report";
import type { PolicyResult } from "../../capabilities/engine/result";

const result = (over: Partial<PolicyResult> & { resource: PolicyResult["resource"] }): PolicyResult => ({
  policy: "pod-security-standards",
  rule: "privileged",
  result: "fail",
  message: "m",
  category: "Pod Security Standards (Restricted)",
  severity: "high",
  ...over,
});

describe("buildReports", () => {
  const results = [
    result({ resource: { apiVersion: "v1", kind: "Pod", name: "b", namespace: "shop" } }),
    result({
      resource: { apiVersion: "v1", kind: "Pod", name: "a", namespace: "shop" },
      result: "pass",
      rule: "restricted",
    }),
    result({ resource: { apiVersion: "v1", kind: "Namespace", name: "shop" }, result: "skip", policy: "bonsai" }),
    result({ resource: { apiVersion: "v1", kind: "Pod", name: "c" }, result: "warn" }),
    result({ resource: { apiVersion: "apps/v1", kind: "Deployment", name: "d", namespace: "api" } }),
  ];

  it("makes one PolicyReport per namespace and one ClusterPolicyReport, sorted", () => {
    const list = buildReports(results, "bonsai-audit");
    expect(list.kind).toBe("List");
    expect(list.items.map(r => [r.kind, r.metadata.namespace])).toEqual([
      ["ClusterPolicyReport", undefined],
      ["PolicyReport", "api"],
      ["PolicyReport", "default"],
      ["PolicyReport", "shop"],
    ]);
    expect(list.items.every(r => r.apiVersion === "wgpolicyk8s.io/v1alpha2")).toBe(true);
  });

  it("summarises and carries every result field the report format requires", () => {
    const shop = buildReports(results, "x").items.find(r => r.metadata.namespace === "shop")!;
    expect(shop.summary).toEqual({ pass: 1, fail: 1, warn: 0, error: 0, skip: 0 });
    expect(shop.results[0]).toEqual({
      source: "bonsai",
      policy: "pod-security-standards",
      rule: "restricted",
      result: "pass",
      message: "m",
      category: "Pod Security Standards (Restricted)",
      severity: "high",
      scored: true,
      resources: [{ apiVersion: "v1", kind: "Pod", name: "a", namespace: "shop" }],
    });
  });

  it("orders results the same way whatever the input order", () => {
    const shuffled = [...results].reverse();
    expect(buildReports(shuffled, "x")).toEqual(buildReports(results, "x"));
    expect([...results].sort(compareResults)).toEqual([...shuffled].sort(compareResults));
  });

  it("orders by code point, the same on every machine whatever its locale", () => {
    const named = ["b", "B", "a-1", "a1", "A", "ä"].map(name =>
      result({ resource: { apiVersion: "v1", kind: "Pod", name, namespace: "shop" } }),
    );
    const order = buildReports(named, "x").items[0].results.map(r => r.resources[0].name);
    expect(order).toEqual(["A", "B", "a-1", "a1", "b", "ä"]);
  });
});

describe("formats with a cap summary result (no resource)", () => {
  it("render without crashing", () => {
    const { formatTable } = jest.requireActual("../../cli/format/table") as typeof import("../../cli/format/table");
    const list = buildReports(
      [result({ resource: { apiVersion: "v1", kind: "Pod", name: "a", namespace: "shop" } })],
      "x",
    );
    list.items[0].results.push({ ...list.items[0].results[0], rule: "report-size-cap", result: "skip", resources: [] });
    expect(formatTable(list)).toContain("report-size-cap");
  });
});
