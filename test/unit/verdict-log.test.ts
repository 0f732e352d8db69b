import { readFileSync } from "node:fs";
import { join } from "node:path";
import { verdictLogLines } from "../../capabilities/reports/verdict-log";
import { decideAdmission } from "../../capabilities/engine/admission";
import { contextFromObjects } from "../../capabilities/engine/context";
import { compliantPod, withSpec } from "../support/pods";

const ctx = contextFromObjects([], { level: "restricted", mutate: true });
const privileged = withSpec(compliantPod("priv"), s => {
  s.containers[0].securityContext.privileged = true;
  s.hostNetwork = true;
  s.hostPID = true;
  s.containers[0].securityContext.capabilities = { add: ["SYS_ADMIN"] };
  s.volumes = [{ name: "host", hostPath: { path: "/" } }];
});

describe("verdict log lines", () => {
  const decision = decideAdmission({ object: privileged, operation: "CREATE" }, ctx);
  const lines = verdictLogLines(decision.results, decision.allowed, "CREATE");

  it("give one line per policy and result, listing every rule that gave it", () => {
    const failedRules = decision.results.filter(r => r.result === "fail");
    expect(failedRules.length).toBeGreaterThan(3);
    expect(lines.length).toBe(new Set(failedRules.map(r => r.policy)).size);
    const pss = lines.find(l => l.policy === "pod-security-standards")!;
    expect(pss.rules.split(",")).toEqual(
      failedRules.filter(r => r.policy === "pod-security-standards").map(r => r.rule),
    );
    expect(pss).toMatchObject({
      bonsai: "policy-result",
      result: "fail",
      kind: "Pod",
      name: "priv",
      resource_namespace: "shop",
      operation: "CREATE",
      admission: "denied",
    });
  });

  it("leave passes out", () => {
    const clean = decideAdmission({ object: compliantPod(), operation: "CREATE" }, ctx);
    expect(clean.results.length).toBeGreaterThan(0);
    expect(verdictLogLines(clean.results, true, "CREATE")).toEqual([]);
  });

  it("carry every field the Grafana dashboard reads, none named like a Loki stream label", () => {
    const dashboard = JSON.parse(
      readFileSync(join(__dirname, "../../apps/monitoring/grafana/dashboards/bonsai-violations.json"), "utf8"),
    ) as { panels: { targets: { expr: string }[] }[] };
    const fields = new Set(Object.keys(lines[0]));
    const streamLabels = ["namespace", "pod", "container"];
    for (const f of fields) expect(streamLabels).not.toContain(f);
    for (const { targets } of dashboard.panels)
      for (const { expr } of targets) {
        const afterJson = expr.slice(expr.indexOf("| json"));
        const used = [
          ...[...afterJson.matchAll(/\{\{\.(\w+)\}\}/g)].map(m => m[1]),
          ...[...afterJson.matchAll(/\| (\w+)=/g)].map(m => m[1]),
          ...[...expr.matchAll(/by \(([^)]*)\)/g)].flatMap(m => m[1].split(",").map(s => s.trim())),
        ];
        expect(used.length).toBeGreaterThan(0);
        for (const f of used) expect([...fields]).toContain(f);
      }
  });
});
