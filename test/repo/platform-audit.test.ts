import { auditCli } from "./audit-cli";

// The whole tree must pass the guardrails it ships, with holes only where an Exemption says why.
describe("bonsai audit over the GitOps tree", () => {
  const r = auditCli(["apps", "clusters/local"]);
  const results = r.results;

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
