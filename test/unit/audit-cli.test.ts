import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import type { ReportList } from "../../capabilities/reports/policy-report";
import { compliantPod, withSpec, asWorkload } from "../support/pods";

const BIN = join(__dirname, "..", "..", "bin", "bonsai.js");

function bonsai(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", input, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), "bonsai-audit-"));
const write = (rel: string, text: string) => {
  const p = join(dir, rel);
  mkdirSync(join(p, ".."), { recursive: true });
  writeFileSync(p, text);
  return p;
};
const yamlDocs = (...objs: unknown[]) => objs.map(o => stringify(o)).join("---\n");

const good = write("good/pod.yaml", yamlDocs(compliantPod("good")));
const bad = write(
  "bad/multi.yaml",
  yamlDocs(
    compliantPod("fine"),
    asWorkload(
      "Deployment",
      withSpec(compliantPod(), s => (s.containers[0].securityContext.privileged = true)),
    ),
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: "shop" } },
  ),
);
const list = write(
  "list.yaml",
  stringify({
    apiVersion: "v1",
    kind: "List",
    items: [compliantPod("l1"), withSpec(compliantPod("l2"), s => (s.hostPID = true))],
  }),
);
const broken = write("broken/bad.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n");
write(
  "kustomized/kustomization.yaml",
  stringify({
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    namespace: "kns",
    resources: ["pod.yaml"],
  }),
);
write("kustomized/pod.yaml", stringify(withSpec(compliantPod("k"), s => (s.securityContext.runAsUser = 0))));

const json = (stdout: string) => JSON.parse(stdout) as ReportList;
const allResults = (l: ReportList) => l.items.flatMap(r => r.results);

describe("bonsai audit", () => {
  it("exits 0 and reports passes for compliant input", () => {
    const r = bonsai(["audit", "--format", "json", good]);
    expect(r.code).toBe(0);
    const results = allResults(json(r.stdout));
    expect(results.map(x => [x.policy, x.result])).toEqual([
      ["container-resources", "pass"],
      ["image-reference", "pass"],
      ["pod-hardening", "pass"],
      ["pod-security-standards", "pass"],
      ["workload-hygiene", "pass"],
    ]);
  });

  it("--test runs the policies' fixtures against their expected results, exit 1 when one is not met", () => {
    const policies = join(__dirname, "..", "..", "capabilities", "policies");
    const ok = bonsai(["audit", "--test", join(policies, "services")]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^PASS service-type .*6 expected results\)$/m);
    const wrong = write(
      "wrong-test/bonsai-test.yaml",
      stringify({
        resources: [join(policies, "services", "tests", "service-type", "good.yaml")],
        expect: [{ policy: "service-type", rule: "all", resource: "Service backend/api", result: "fail" }],
      }),
    );
    const failed = bonsai(["audit", "--test", wrong]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain("expected service-type/all fail on Service backend/api, got pass");
  });

  it("runs as `npx bonsai audit` from the repository", () => {
    const r = spawnSync("npx", ["--no-install", "bonsai", "audit", "--format", "json", good], {
      cwd: join(__dirname, "..", ".."),
      encoding: "utf8",
      timeout: 120_000,
    });
    expect(r.status).toBe(0);
    expect(json(r.stdout).items[0].kind).toBe("PolicyReport");
  });

  it("exits 1 with fails, categories and severities for a multi-document file", () => {
    const r = bonsai(["audit", "--format", "json", bad]);
    expect(r.code).toBe(1);
    const l = json(r.stdout);
    expect(l.items).toHaveLength(1);
    expect(l.items[0]).toMatchObject({
      apiVersion: "wgpolicyk8s.io/v1alpha2",
      kind: "PolicyReport",
      metadata: { namespace: "shop" },
    });
    const fail = allResults(l).find(x => x.rule === "privileged")!;
    // Categories follow the check's level whatever the profile (Kyverno / Policy Reporter convention).
    expect(fail).toMatchObject({
      policy: "pod-security-standards",
      result: "fail",
      category: "Pod Security Standards (Baseline)",
      severity: "high",
      resources: [{ kind: "Deployment", name: "w", namespace: "shop" }],
    });
    expect(fail.message).toContain("spec.template.spec.containers[0].securityContext.privileged");
    const skip = allResults(l).find(x => x.resources[0].kind === "ConfigMap")!;
    expect(skip.result).toBe("skip");
    expect(skip.message).toContain("no Bonsai policy evaluates kind ConfigMap");
  });

  it("uses the Baseline category with --profile baseline", () => {
    const r = bonsai(["audit", "--format", "json", "--profile", "baseline", list]);
    expect(r.code).toBe(1);
    const fail = allResults(json(r.stdout)).find(x => x.result === "fail")!;
    expect(fail).toMatchObject({ rule: "hostNamespaces", category: "Pod Security Standards (Baseline)" });
  });

  it("expands List objects", () => {
    const names = allResults(json(bonsai(["audit", "--format", "json", list]).stdout)).map(x => x.resources[0].name);
    expect(new Set(names)).toEqual(new Set(["l1", "l2"]));
  });

  it("renders a kustomization root with kustomize before judging it", () => {
    const r = bonsai(["audit", "--format", "json", join(dir, "kustomized")]);
    expect(r.code).toBe(1);
    const fails = allResults(json(r.stdout)).filter(x => x.result === "fail");
    expect(fails.map(x => x.rule).sort()).toEqual(["numericRunAsUser", "runAsUser"]);
    expect(fails[0].resources).toEqual([{ apiVersion: "v1", kind: "Pod", name: "k", namespace: "kns" }]);
  });

  it("walks directories recursively", () => {
    const r = bonsai(["audit", "--format", "json", join(dir, "good"), join(dir, "bad")]);
    const names = new Set(allResults(json(r.stdout)).map(x => x.resources[0].name));
    expect(names).toEqual(new Set(["good", "fine", "w", "cfg"]));
  });

  it("--mutate judges what the cluster would admit", () => {
    const bare = yamlDocs({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "bare", namespace: "backend" },
      spec: { containers: [{ name: "a", image: "x:1" }] },
    });
    expect(bonsai(["audit", "-"], bare).code).toBe(1);
    expect(bonsai(["audit", "--mutate", "-"], bare).code).toBe(0);
  });

  it("prints a table with the findings and a summary", () => {
    const r = bonsai(["audit", bad]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^RESULT\s+SEVERITY\s+POLICY\/RULE\s+RESOURCE\s+MESSAGE/);
    expect(r.stdout).toContain("pod-security-standards/privileged");
    expect(r.stdout).toMatch(/\d+ pass, 1 fail, 0 warn, 0 error, 1 skip/);
  });

  it("exits 2 naming file and line for unparsable YAML", () => {
    const r = bonsai(["audit", broken]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\/bad\.yaml:\d+:\d+: invalid YAML/);
  });

  it("exits 2 for bad usage and missing paths", () => {
    expect(bonsai(["audit"]).code).toBe(2);
    expect(bonsai(["audit", "--format", "xml", good]).code).toBe(2);
    expect(bonsai(["audit", "--nope", good]).code).toBe(2);
    const missing = bonsai(["audit", join(dir, "nope.yaml")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("nope.yaml: no such file or directory");
    expect(bonsai(["frobnicate"]).code).toBe(2);
  });

  it("reports objects without kind or name as errors, and non-Kubernetes YAML as skips", () => {
    const r = bonsai(
      ["audit", "--format", "json", "-"],
      yamlDocs({ apiVersion: "v1", kind: "Pod", metadata: {} }, { replicas: 3 }),
    );
    expect(r.code).toBe(1);
    const results = allResults(json(r.stdout));
    expect(results.find(x => x.result === "error")!.message).toContain("missing metadata.name");
    expect(results.find(x => x.result === "skip")!.message).toContain("not a Kubernetes object");
  });
});
