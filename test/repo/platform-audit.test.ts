import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { ReportList } from "../../capabilities/reports/policy-report";
import { REPO } from "./rendered";

// The whole tree must pass the guardrails it ships, with holes only where an Exemption says why.
describe("bonsai audit over the GitOps tree", () => {
  const r = spawnSync(
    process.execPath,
    [join(REPO, "bin", "bonsai.js"), "audit", "--format", "json", "apps", "clusters/local"],
    {
      cwd: REPO,
      encoding: "utf8",
      timeout: 300_000,
    },
  );
  const results =
    r.status === 0 || r.status === 1 ? (JSON.parse(r.stdout) as ReportList).items.flatMap(i => i.results) : [];

  it("exits 0 with no fail or error", () => {
    const bad = results.filter(x => x.result === "fail" || x.result === "error");
    expect(
      bad.map(
        x =>
          `${x.resources[0].kind} ${x.resources[0].namespace}/${x.resources[0].name}: [${x.policy}/${x.rule}] ${x.message}`,
      ),
    ).toEqual([]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("judges the workloads the HelmReleases install, not only the HelmReleases", () => {
    const judged = results
      .filter(x => x.policy === "pod-security-standards")
      .map(x => `${x.resources[0].kind} ${x.resources[0].namespace}/${x.resources[0].name}`);
    expect(judged).toEqual(
      expect.arrayContaining([
        "Deployment frontend/frontend",
        "Deployment backend/backend",
        "StatefulSet infra/postgresql",
      ]),
    );
  });

  it("skips exactly the exempted results, naming the exemption", () => {
    const exempted = results.filter(x => x.properties?.exemption);
    expect(exempted.map(x => [x.policy, x.rule, x.resources[0].name, x.properties!.exemption])).toEqual([
      ["service-type", "loadbalancer", "ingress-nginx-controller", "ingress-loadbalancer"],
    ]);
  });
});
