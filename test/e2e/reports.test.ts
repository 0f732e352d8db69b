import { spawnSync } from "node:child_process";
import { join } from "node:path";
import {
  eventually,
  E2eCluster,
  installCrds,
  limitRangeReconciled,
  REPO,
  SETUP_TIMEOUT_MS,
  startCluster,
} from "./cluster";

// PolicyReports in a real cluster: admission outcomes (a denial included) and the background scan show up
// within seconds; the report stays under its cap. image-reference runs in audit mode here, and the cap is
// lowered to 50 so that "thousands" is a few hundred requests.
let c: E2eCluster;

beforeAll(async () => {
  c = await startCluster({
    module: true,
    env: { BONSAI_MODES: '{"image-reference":"audit"}', BONSAI_REPORT_CAP: "50", BONSAI_SCAN_SECONDS: "10" },
  });
  installCrds(c);
  expect(c.kubectl(["create", "namespace", "backend"]).code).toBe(0);
  await limitRangeReconciled(c, "backend");
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await c?.stop();
});

type Report = {
  metadata: { name: string };
  summary: Record<string, number>;
  results: { policy: string; rule: string; result: string; message: string; properties?: Record<string, string> }[];
};
const reports = (ns: string): Report[] =>
  JSON.parse(c.kubectl(["get", "policyreports.wgpolicyk8s.io", "-n", ns, "-o", "json"]).stdout || '{"items":[]}').items;

describe("in-cluster PolicyReports", () => {
  it("show a denied request and an audit-mode violation within seconds", async () => {
    expect(c.kubectl(["run", "priv", "-n", "backend", "--image=nginx:1.27", "--privileged"]).code).not.toBe(0);
    expect(c.kubectl(["run", "latest", "-n", "backend", "--image=nginx:latest"]).code).toBe(0);
    const started = Date.now();
    const found = await eventually(
      "admission report",
      () => reports("backend").find(r => r.metadata.name.startsWith("bonsai-admission-")),
      r => !!r && r.results.some(x => x.rule === "privileged") && r.results.some(x => x.rule === "pinned-tag"),
      20_000,
    );
    process.stderr.write(
      `[e2e] admission outcomes in the report after ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    const denied = found!.results.find(x => x.rule === "privileged")!;
    expect(denied).toMatchObject({
      result: "fail",
      properties: expect.objectContaining({ admission: "denied", operation: "CREATE" }),
    });
    expect(denied.message).toMatch(/^denied at admission \(CREATE\): /);
    expect(found!.results.find(x => x.rule === "pinned-tag")).toMatchObject({
      result: "fail",
      properties: expect.objectContaining({ admission: "admitted", mode: "audit" }),
    });
  });

  it("leave a Warning event for the denial", () => {
    const events = JSON.parse(
      c.kubectl(["get", "events", "-n", "backend", "--field-selector", "reason=PolicyViolation", "-o", "json"]).stdout,
    ).items;
    expect(
      events.some(
        (e: { involvedObject: { name: string }; message: string }) =>
          e.involvedObject.name === "priv" && e.message.includes("privileged"),
      ),
    ).toBe(true);
  });

  it("are written by the background scan for existing objects", async () => {
    // The scan runs 10 s after start and then every 10 s here (BONSAI_SCAN_SECONDS).
    const scan = await eventually(
      "scan report with the running pod's violation",
      () => reports("backend").find(r => r.metadata.name === "bonsai-scan"),
      r => !!r && r.results.some(x => x.rule === "pinned-tag" && x.result === "fail"),
      40_000,
    );
    expect(scan!.summary.pass).toBeGreaterThan(0);
    expect(scan!.summary.error).toBe(0);
  }, 60_000);

  it("stay under their cap with hundreds of violations", async () => {
    for (let i = 0; i < 120; i++) c.kubectl(["run", `l${i}`, "-n", "backend", "--image=nginx:latest"]);
    const report = await eventually(
      "capped report",
      () => reports("backend").find(r => r.metadata.name.startsWith("bonsai-admission-")),
      r => !!r && r.summary.fail >= 121,
      30_000,
    );
    expect(report!.results.length).toBeLessThanOrEqual(50);
    expect(report!.results.at(-1)).toMatchObject({ rule: "report-size-cap" });
  });

  it("are printed by `bonsai report` in every format, exiting 1 for failures", () => {
    const bonsai = (args: string[]) =>
      spawnSync(
        process.execPath,
        [join(REPO, "bin", "bonsai.js"), "report", "--kubeconfig", c.cp.kubeconfig, ...args],
        { encoding: "utf8" },
      );
    const table = bonsai(["-n", "backend"]);
    expect({ status: table.status, stderr: table.stderr }).toEqual({ status: 1, stderr: "" });
    expect(table.stdout).toContain("image-reference/pinned-tag");
    expect(table.stdout).toContain("bonsai/report-size-cap");
    const json = JSON.parse(bonsai(["--format", "json"]).stdout);
    expect(json.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(
      expect.arrayContaining(["bonsai-scan"]),
    );
    expect(JSON.parse(bonsai(["--format", "sarif"]).stdout).version).toBe("2.1.0");
    expect(bonsai(["--format", "junit"]).stdout).toMatch(/^<\?xml/);
  });
});
