import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import type { KubeObject } from "../../capabilities/k8s/object";
import { objectRef, record } from "../../capabilities/k8s/object";
import { QUOTA_SIZES } from "../../capabilities/config/quota-sizes";
import { Kubectl, liveResults } from "../../cli/up/apply-layers";
import { withoutPodServedWebhooks } from "../../cli/up/operators";
import { REPO_ROOT } from "../../cli/up/state";
import { clusterQuotaSize, platformObjects, renderPlatform } from "../../lib/render";
import { cnpgOperatorObjects } from "../../tools/cnpg";
import { ensureKubeBinaries } from "../../tools/controlplane/binaries";
import { fakeNodeNames } from "../../tools/controlplane/controlplane";
import { MODULE_NAME, MODULE_NAMESPACE } from "../../tools/controlplane/pepr-deploy";
import { compliantPod } from "../support/pods";
import { bonsaiInStateDir, eventually, SETUP_TIMEOUT_MS } from "./cluster";
import { LivePod, livePods, nodeFootprint, podsByWorkload, readyEndpointsByService } from "./multi-node-state";

// `bonsai up --embedded --cluster multi-node`: the embedded control plane with one kwok node per node of
// clusters/multi-node/k3d.yaml, the guardrails deployed with npx pepr deploy and the cluster's module patches
// (two admission replicas spread, a PDB, the three-node quota size), every layer reconciled by the real Flux
// controllers; scheduled by the real kube-scheduler, drained through the eviction API. The module's pods run
// for real (the local kubelet), so admission answers every apply. CloudNativePG's operator cannot run here (it
// talks to its instances at their pod IPs): bonsai up applies what its own spec code creates in its place.
const NODES = fakeNodeNames(3);
const state = mkdtempSync(join(tmpdir(), "bonsai-multi-node-"));
const bonsai = bonsaiInStateDir(state);
let up: ReturnType<typeof bonsai>;
let kubectlBin: string;
const kubectl: Kubectl = (args, input) => {
  const r = spawnSync(kubectlBin, [`--kubeconfig=${join(state, "kubeconfig")}`, ...args], {
    input,
    encoding: "utf8",
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
};
const say = (m: string) => process.stderr.write(`[multi-node] ${m}\n`);
let objects: KubeObject[] = [];

beforeAll(() => {
  kubectlBin = ensureKubeBinaries().kubectl;
  up = bonsai(["up", "--embedded", "--cluster", "multi-node"]);
  say(`bonsai up exited ${up.status}\n${up.stdout}`);
  if (up.status !== 0) say(up.stderr.slice(-6000));
  const rendered = withoutPodServedWebhooks(platformObjects(renderPlatform(REPO_ROOT, "multi-node"))).objects;
  // What the operator would create, from the Cluster as stored (its uid is in their owner references).
  const stored = kubectl(["get", "clusters.postgresql.cnpg.io", "-n", "infra", "postgresql-ha", "-o", "json"]);
  const cluster = stored.code === 0 ? (JSON.parse(stored.stdout) as KubeObject) : undefined;
  const made = cluster ? cnpgOperatorObjects({ ...cluster, status: { image: record(cluster.spec)?.imageName } }) : [];
  objects = [...rendered, ...made];
}, SETUP_TIMEOUT_MS);

afterAll(() => {
  const down = bonsai(["down"]);
  if (down.status !== 0) say(`bonsai down: ${down.stdout}\n${down.stderr}`);
});

describe("clusters/multi-node on three kwok nodes", () => {
  it("has Flux report every layer of clusters/multi-node Ready, nothing refused, and exits 0", () => {
    expect([up.status, up.stdout]).toEqual([0, expect.stringContaining("clusters/multi-node.")]);
    for (const layer of ["flux-system", "crds", "guardrails", "namespaces", "operators", "infra", "apps"])
      expect(up.stdout).toMatch(new RegExp(`layer ${layer}\\s+Ready`));
    expect(up.stdout).not.toContain("NOT READY");
    expect(up.stdout).toContain("no object was refused by the guardrails");
    expect(up.stdout).toContain(
      "webhooks no pod serves here turned off (an objectSelector matching nothing, applied beside Flux's fields): MutatingWebhookConfiguration cnpg-mutating-webhook-configuration, ValidatingWebhookConfiguration cnpg-validating-webhook-configuration",
    );
    expect(up.stdout).toMatch(/CloudNativePG stood in for: \d+ objects its operator would create/);
  });

  it("judges what is running with the guardrails: nothing fails", () => {
    expect(up.stdout).toMatch(/guardrails on what is running: \d+ pass, 0 fail, \d+ warn, 0 error, \d+ skip/);
    const failed = liveResults(kubectl, clusterQuotaSize(REPO_ROOT, "multi-node"))
      .filter(r => r.result.result === "fail" || r.result.result === "error")
      .map(r => `${r.result.policy}/${r.result.rule} ${objectRef(r.object)}: ${r.result.message}`);
    expect(failed).toEqual([]);
  });

  it("registers one kwok node per node of the cluster's k3d.yaml", () => {
    expect(kubectl(["get", "nodes", "-o", "name"]).stdout.trim().split("\n").sort()).toEqual(
      NODES.map(n => `node/${n}`),
    );
  });

  it("gives the module the cluster's settings: quota size three-node, written into infra by the module", () => {
    expect(up.stdout).toContain("quota size three-node");
    const quota = JSON.parse(
      kubectl(["get", "resourcequota", "compute-quota", "-n", "infra", "-o", "json"]).stdout,
    ) as {
      spec: { hard: Record<string, string> };
      metadata: { labels: Record<string, string> };
    };
    expect(quota.spec.hard).toEqual(QUOTA_SIZES["three-node"].infra);
    expect(quota.metadata.labels["app.kubernetes.io/managed-by"]).toBe("bonsai-guardrails");
  });

  it("is accepted again by the API server (server-side dry-run, strict validation, every object in one request)", () => {
    const all = objects.filter(x => x.kind !== "Pod").map(o => stringify(o));
    const r = kubectl(
      [
        "apply",
        "--server-side",
        "--dry-run=server",
        "--validate=strict",
        "--force-conflicts",
        "--field-manager=bonsai-up",
        "-f",
        "-",
      ],
      all.join("---\n"),
    );
    expect([r.code, r.stderr.trim()]).toEqual([0, ""]);
    expect(r.stdout.trim().split("\n")).toHaveLength(all.length);
  });

  it("puts every replica of every replicated workload on its own node", async () => {
    // The apps' autoscalers raise them to their floor of two (no metrics needed for that) a little after install.
    await eventually(
      "frontend and backend at two ready replicas",
      () =>
        ["frontend", "backend"].map(
          a =>
            JSON.parse(kubectl(["get", "deployment", a, "-n", a, "-o", "json"]).stdout || "{}").status?.readyReplicas,
        ),
      ready => ready.every(n => n === 2),
      90_000,
    );
    const groups = podsByWorkload(kubectl);
    const replicated = [...groups].filter(([, pods]) => pods.length > 1);
    const spread = Object.fromEntries(replicated.map(([w, pods]) => [w, new Set(pods.map(p => p.node)).size]));
    const sizes = Object.fromEntries(replicated.map(([w, pods]) => [w, pods.length]));
    expect(spread).toEqual(sizes);
    expect(sizes).toEqual({
      "Cluster infra/postgresql-ha": 3,
      [`Deployment ${MODULE_NAMESPACE}/${MODULE_NAME}`]: 2,
      "DaemonSet monitoring/alloy": 3,
      "Deployment backend/backend": 2,
      "Deployment cnpg-system/cnpg-controller-manager": 2,
      "Deployment frontend/frontend": 2,
      "Deployment infra/pgbouncer": 3,
      "Deployment ingress-nginx/ingress-nginx-controller": 3,
      "StatefulSet infra/kafka": 3,
    });
  });

  it("has a disruption budget for every replicated workload, and budgets that allow one disruption", () => {
    const pdbs = pdbStatus();
    expect(Object.keys(pdbs).sort()).toEqual([
      "backend/backend",
      "cnpg-system/cnpg-controller-manager",
      "frontend/frontend",
      "infra/kafka",
      "infra/pgbouncer",
      "infra/postgresql-ha",
      "infra/postgresql-ha-primary",
      "ingress-nginx/ingress-nginx-controller",
      `${MODULE_NAMESPACE}/${MODULE_NAME}`,
    ]);
    for (const [name, s] of Object.entries(pdbs))
      expect([name, s.disruptionsAllowed]).toEqual([name, name.endsWith("-primary") ? 0 : 1]);
  });

  it("reports the overlay's footprint per node", () => {
    const perNode = nodeFootprint(livePods(kubectl).filter(p => p.phase === "Running"));
    say(`requests per node: ${JSON.stringify(perNode)}`);
    expect(Object.keys(perNode).sort()).toEqual(NODES);
    for (const n of NODES) expect(perNode[n].pods).toBeGreaterThan(3);
  });

  it("keeps the primary: its disruption budget refuses the eviction (the operator switches over first)", () => {
    const primary = livePods(kubectl).find(p => p.labels["cnpg.io/instanceRole"] === "primary")!;
    const r = evict(primary);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("disruption budget");
  });

  it("drains the node of a module replica and a database replica within every budget; admission keeps answering", async () => {
    const before = readyEndpointsByService(kubectl);
    const pods = livePods(kubectl);
    const primaryNode = pods.find(p => p.labels["cnpg.io/instanceRole"] === "primary")!.node;
    const isAdmission = (p: LivePod) =>
      p.namespace === MODULE_NAMESPACE && p.labels["pepr.dev/controller"] === "admission";
    // A node without the primary (its budget refuses that eviction until the operator switches over).
    const node = pods.find(p => isAdmission(p) && p.node !== primaryNode)!.node;
    expect(pods.filter(p => p.node === node).map(p => p.labels["cnpg.io/instanceRole"])).toContain("replica");
    const probe = admissionProbe();
    const first = probe();
    expect(first).toMatch(/^(admitted|denied)/);
    const started = Date.now();
    const drain = spawn(
      kubectlBin,
      [
        `--kubeconfig=${join(state, "kubeconfig")}`,
        "drain",
        node,
        "--ignore-daemonsets",
        "--delete-emptydir-data",
        "--timeout=120s",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    drain.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>(resolve => drain.on("exit", code => resolve(code)));
    let done = false;
    void exited.then(() => (done = true));
    const answers: string[] = [];
    while (!done) {
      answers.push(probe());
      await new Promise(r => setTimeout(r, 200));
    }
    const code = await exited;
    say(
      `drained ${node} in ${((Date.now() - started) / 1000).toFixed(1)} s; ${answers.length} admission requests meanwhile`,
    );
    expect([code, stderr]).toEqual([0, expect.not.stringContaining("error")]);
    // Every request during the drain got the module's verdict, the same as before it (never "failed calling webhook").
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.filter(a => a !== first)).toEqual([]);
    expect(livePods(kubectl).filter(p => p.node === node && !p.daemon)).toEqual([]);
    for (const [name, s] of Object.entries(pdbStatus()))
      expect([name, s.currentHealthy >= s.desiredHealthy]).toEqual([name, true]);
    // Replicated Services never lost their last ready endpoint; moved single replicas come back elsewhere.
    const after = readyEndpointsByService(kubectl);
    const replicated = Object.keys(before).filter(s => before[s] > 1);
    expect(replicated.filter(s => !(after[s] > 0))).toEqual([]);
    await eventually(
      "every Service with a selector has a ready endpoint",
      () =>
        Object.entries(readyEndpointsByService(kubectl))
          .filter(([, n]) => n === 0)
          .map(([s]) => s),
      empty => empty.length === 0,
      60_000,
    );
    // The evicted module replica comes back on another schedulable node: two again, on two nodes.
    const modulePods = await eventually(
      "two ready admission replicas on two nodes",
      () => livePods(kubectl).filter(p => isAdmission(p) && p.phase === "Running"),
      l => l.length === 2 && new Set(l.map(p => p.node)).size === 2 && l.every(p => p.node !== node),
      90_000,
    );
    say(`admission replicas now on ${modulePods.map(p => p.node).join(", ")}`);
  });

  /** One server-side dry-run create of a pod in a fail-closed app namespace: the module's verdict, or why none. */
  function admissionProbe(): () => string {
    const pod = { ...compliantPod("drain-probe"), metadata: { name: "drain-probe", namespace: "frontend" } };
    const text = stringify(pod);
    return () => {
      const r = kubectl(["create", "--dry-run=server", "-f", "-"], text);
      if (r.code === 0) return "admitted";
      if (r.stderr.includes("denied the request")) return "denied";
      return `no verdict: ${r.stderr.trim()}`;
    };
  }

  function pdbStatus(): Record<string, { disruptionsAllowed: number; currentHealthy: number; desiredHealthy: number }> {
    const list = JSON.parse(kubectl(["get", "pdb", "-A", "-o", "json"]).stdout) as {
      items: {
        metadata: { namespace: string; name: string };
        status?: { disruptionsAllowed: number; currentHealthy: number; desiredHealthy: number };
      }[];
    };
    return Object.fromEntries(
      list.items.map(p => [
        `${p.metadata.namespace}/${p.metadata.name}`,
        p.status ?? { disruptionsAllowed: -1, currentHealthy: -1, desiredHealthy: 0 },
      ]),
    );
  }

  function evict(p: LivePod) {
    const eviction = {
      apiVersion: "policy/v1",
      kind: "Eviction",
      metadata: { name: p.name, namespace: p.namespace },
    };
    return kubectl(
      ["create", "--raw", `/api/v1/namespaces/${p.namespace}/pods/${p.name}/eviction`, "-f", "-"],
      JSON.stringify(eviction),
    );
  }
});
