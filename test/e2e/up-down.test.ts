import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bonsaiInStateDir, SETUP_TIMEOUT_MS } from "./cluster";
import { isAlive } from "../../tools/controlplane/processes";

// `bonsai up` without Docker: the whole GitOps tree applied layer by layer on the embedded control plane,
// with the guardrails in the loop; then `bonsai down` leaves nothing running.
const state = mkdtempSync(join(tmpdir(), "bonsai-up-"));
const bonsai = bonsaiInStateDir(state);

let up: ReturnType<typeof bonsai>;
let pids: { name: string; pid: number }[] = [];

beforeAll(() => {
  up = bonsai(["up", "--embedded"]);
  // The control plane's, the Flux controllers' and the git server's PID files.
  pids = ["pids.json", "flux/pids.json", "flux-git/pids.json"].flatMap(f =>
    JSON.parse(readFileSync(join(state, f), "utf8")),
  );
}, SETUP_TIMEOUT_MS);

afterAll(() => {
  bonsai(["down"]);
});

describe("bonsai up --embedded", () => {
  it("has the real kustomize-controller report every layer of clusters/local Ready, and exits 0", () => {
    if (up.status !== 0) throw new Error(`bonsai up exited ${up.status}\n${up.stdout}\n${up.stderr.slice(-4000)}`);
    expect(up.stdout).toMatch(
      /reconciled by Flux \(source- and kustomize-controller\) from http:\/\/127\.0\.0\.1:\d+\/bonsai\.git/,
    );
    for (const layer of ["flux-system", "crds", "guardrails", "namespaces", "infra", "admin", "monitoring", "apps"])
      expect(up.stdout).toMatch(new RegExp(`layer ${layer}\\s+Ready`));
    expect(up.stdout).not.toContain("NOT READY");
    expect(up.stdout).toMatch(/HelmReleases installed by real Helm .*frontend\/frontend/);
  });

  it("brings every pod to Running on the kwok node", () => {
    const m = up.stdout.match(/pods Running: (\d+)\/(\d+)/);
    expect(m).not.toBeNull();
    expect(Number(m![2])).toBeGreaterThan(5);
    expect(m![1]).toBe(m![2]);
  });

  it("judges what is running with the guardrails: nothing fails", () => {
    expect(up.stdout).toMatch(/guardrails on what is running: \d+ pass, 0 fail, 0 warn, 0 error, \d+ skip/);
  });

  it("installs the guardrails with npx pepr deploy, their pods run by the local kubelet", () => {
    expect(up.stderr).toContain("bonsai up: npx pepr deploy --yes");
    expect(up.stdout).toMatch(/guardrails installed with npx pepr deploy in \d+ s: 3 pods in pepr-system/);
    expect(pids.map(p => p.name)).toContain("local-kubelet");
  });

  it("shows its progress on the long steps", () => {
    expect(up.stderr).toContain("bonsai up: starting kube-apiserver");
    expect(up.stderr).toContain("bonsai up: starting source-controller and kustomize-controller");
    expect(up.stderr).toMatch(/bonsai up: pushed [0-9a-f]{12} \(HEAD\)/);
  });
});

describe("bonsai down", () => {
  it("removes the guardrails' webhooks first, then stops every process up started, by PID", async () => {
    expect(pids.length).toBeGreaterThanOrEqual(5);
    const down = bonsai(["down"]);
    expect(down.status).toBe(0);
    expect(down.stdout).toMatch(
      /Stopped: guardrails removed \(webhook configurations gone after \d+ ms, then the controller\)/,
    );
    expect(down.stdout).toMatch(/kustomize-controller \(pid \d+\).*git-server \(pid \d+\)/);
    for (const p of pids) expect({ name: p.name, alive: isAlive(p.pid) }).toEqual({ name: p.name, alive: false });
    expect(bonsai(["down"]).stdout).toContain("Nothing was running.");
  });
});
