import { stringify } from "yaml";
import type { KubeObject } from "../../capabilities/k8s/object";
import { applyLayers, installFluxCrds, Kubectl } from "../../cli/up/apply-layers";
import { standInForCnpg, withoutPodServedWebhooks } from "../../cli/up/operators";
import { REPO_ROOT } from "../../cli/up/state";
import { provisionPendingClaims } from "../../cli/up/volumes";
import { fakeNodeNames } from "../../tools/controlplane/controlplane";
import { E2eCluster, eventually, SETUP_TIMEOUT_MS, startCluster } from "./cluster";
import { LivePod, livePods, nodeFootprint, podsByWorkload, readyEndpointsByService } from "./multi-node-state";

// The multi-node overlay on the embedded control plane with three kwok nodes: applied layer by layer
// through bonsai up's own code, scheduled by the real kube-scheduler, drained through the eviction API.
// CloudNativePG's operator cannot run here (it talks to its instances at their pod IPs); what it would
// create is computed by its own spec builders (tools/cnpg) and applied in its place.
const NODES = fakeNodeNames(3);
let c: E2eCluster;
let kubectl: Kubectl;
let objects: KubeObject[] = [];
const denied: string[] = [];
const notes: string[] = [];
const say = (m: string) => process.stderr.write(`[multi-node] ${m}\n`);

beforeAll(async () => {
  c = await startCluster({ module: false, kwokNodes: 3 });
  kubectl = (args, input) => c.kubectl(args, input);
  installFluxCrds(kubectl);
  const up = await applyLayers(REPO_ROOT, kubectl, {
    cluster: "multi-node",
    progress: say,
    leaveOut: withoutPodServedWebhooks,
    helmKube: ["--kubeconfig", c.cp.kubeconfig],
  });
  objects = up.objects;
  notes.push(...up.notes);
  denied.push(...up.applied.flatMap(l => l.denied));
  const cnpg = await standInForCnpg(kubectl, objects, say);
  denied.push(...cnpg.denied);
  objects.push(...cnpg.created);
  await eventually(
    "StatefulSets created their claims",
    () => JSON.parse(kubectl(["get", "pvc", "-n", "infra", "-o", "json"]).stdout) as { items: unknown[] },
    l => l.items.length >= 6,
    30_000,
  );
  await provisionPendingClaims(c.cp);
  await eventually(
    "every pod Running (or, for a Job's, Succeeded)",
    () =>
      livePods(kubectl)
        .filter(p => p.phase !== "Running" && p.phase !== "Succeeded")
        .map(p => `${p.namespace}/${p.name} ${p.phase}`),
    notRunning => notRunning.length === 0,
    90_000,
  );
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await c?.stop();
});

const fail = () => c?.diagnostics() ?? "";

describe("clusters/multi-node on three kwok nodes", () => {
  it("applies every layer without a refusal, leaving out only what cannot run here", () => {
    expect(denied).toEqual([]);
    expect(notes).toContain(
      "layer operators: left out MutatingWebhookConfiguration cnpg-mutating-webhook-configuration, ValidatingWebhookConfiguration cnpg-validating-webhook-configuration",
    );
    expect(kubectl(["get", "nodes", "-o", "name"]).stdout.trim().split("\n").sort()).toEqual(
      NODES.map(n => `node/${n}`),
    );
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

  it("puts every replica of every replicated workload on its own node", () => {
    const groups = podsByWorkload(kubectl);
    const replicated = [...groups].filter(([, pods]) => pods.length > 1);
    const spread = Object.fromEntries(replicated.map(([w, pods]) => [w, new Set(pods.map(p => p.node)).size]));
    const sizes = Object.fromEntries(replicated.map(([w, pods]) => [w, pods.length]));
    expect(spread).toEqual(sizes);
    expect(sizes).toEqual({
      "Cluster infra/postgresql-ha": 3,
      "DaemonSet monitoring/alloy": 3,
      "Deployment cnpg-system/cnpg-controller-manager": 2,
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

  it("drains the node of a database replica through the eviction API within every budget", async () => {
    const before = readyEndpointsByService(kubectl);
    const replica = livePods(kubectl).find(p => p.name === "postgresql-ha-2")!;
    const started = Date.now();
    const r = kubectl(
      ["drain", replica.node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=120s"],
      undefined,
    );
    say(`drained ${replica.node} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect([r.code, r.stderr]).toEqual([0, expect.not.stringContaining("error")]);
    expect(livePods(kubectl).filter(p => p.node === replica.node && !p.daemon)).toEqual([]);
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
  });

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

  afterEach(() => {
    const d = fail();
    if (d.trim()) say(d);
  });
});
