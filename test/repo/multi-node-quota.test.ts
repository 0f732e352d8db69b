import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { APP_NAMESPACES, QUOTA } from "../../capabilities/config/platform";
import { QUOTA_SIZES, QuotaHard } from "../../capabilities/config/quota-sizes";
import type { KubeObject } from "../../capabilities/k8s/object";
import { list, record } from "../../capabilities/k8s/object";
import { parseQuantity } from "../../capabilities/k8s/quantity";
import { computeFootprint, podAmounts } from "../../lib/footprint/compute";
import { moduleOverlay, platformObjects, renderPlatform } from "../../lib/render";
import { cnpgOperatorObjects } from "../../tools/cnpg";
import { REPO } from "./rendered";

// The quota of each app namespace on three nodes: the module writes it at the size the cluster's module patches
// name; the overlay's workloads, as the scheduler places them on three nodes, fit it with room for what the
// engines do in operation; the single node's quota is the seed's, unchanged.
const NODES = 3;
const multiPlatform = renderPlatform(REPO, "multi-node");
const multi = platformObjects(multiPlatform, { withModule: true });
const quotaIn = (objects: KubeObject[], ns: string) =>
  (objects.find(o => o.kind === "ResourceQuota" && o.metadata?.namespace === ns)?.spec as { hard: QuotaHard }).hard;

/** What the namespace holds at its largest regular moment, in the quota's own keys. */
type Usage = Record<keyof typeof QUOTA.hard, number>;

function usageByNamespace(objects: KubeObject[]): Map<string, Usage> {
  const f = computeFootprint(objects);
  const out = new Map<string, Usage>();
  const at = (ns: string) => {
    if (!out.has(ns))
      out.set(ns, {
        "requests.cpu": 0,
        "requests.memory": 0,
        "limits.cpu": 0,
        "limits.memory": 0,
        persistentvolumeclaims: 0,
      });
    return out.get(ns)!;
  };
  for (const w of f.workloads) {
    // A DaemonSet runs one pod per node; the footprint counts one node.
    const pods = w.kind === "DaemonSet" ? NODES : w.pods;
    const u = at(w.namespace);
    u["requests.cpu"] += w.perPod.requests.cpu * pods;
    u["requests.memory"] += w.perPod.requests.memory * pods;
    u["limits.cpu"] += w.perPod.limits.cpu * pods;
    u["limits.memory"] += w.perPod.limits.memory * pods;
  }
  for (const c of f.claims) at(c.namespace).persistentvolumeclaims++;
  for (const o of objects.filter(x => x.kind === "StatefulSet"))
    at(String(o.metadata?.namespace)).persistentvolumeclaims +=
      list(record(o.spec)?.volumeClaimTemplates).length * Number(record(o.spec)?.replicas ?? 1);
  return out;
}

const over = (usage: Usage, hard: QuotaHard) =>
  (Object.keys(usage) as (keyof Usage)[])
    .filter(k => usage[k] > parseQuantity(hard[k])!)
    .map(k => `${k} ${usage[k].toFixed(2)} > ${hard[k]}`);

let cnpg: KubeObject[];
beforeAll(
  () => {
    const cluster = multi.find(o => o.kind === "Cluster" && o.metadata?.name === "postgresql-ha")!;
    cnpg = cnpgOperatorObjects({ ...cluster, status: { image: record(cluster.spec)?.imageName } });
  },
  30 * 60 * 1000,
);

describe("quotas on three nodes", () => {
  it("are written by the module at the size the multi-node patches name: three-node", () => {
    const overlay = moduleOverlay(REPO, "multi-node")!;
    expect(overlay.quotaSize).toBe("three-node");
    expect(overlay.patches.map(p => p.name).sort()).toEqual([
      "pepr-bonsai-guardrails",
      "pepr-bonsai-guardrails-watcher",
    ]);
    for (const ns of APP_NAMESPACES)
      expect([ns, quotaIn(multi, ns)]).toEqual([ns, ns === "infra" ? QUOTA_SIZES["three-node"].infra : QUOTA.hard]);
  });

  it("leave the single node at the seed's numbers (no module overlay there)", () => {
    expect(moduleOverlay(REPO, "local")).toBeUndefined();
    const local = platformObjects(renderPlatform(REPO), { withModule: true });
    for (const ns of APP_NAMESPACES) expect([ns, quotaIn(local, ns)]).toEqual([ns, QUOTA.hard]);
  });

  it("hold every app namespace's workloads on three nodes, the database pods included", () => {
    const usage = usageByNamespace([...multi, ...cnpg]);
    expect(usage.get("infra")!.persistentvolumeclaims).toBe(6);
    const overs = APP_NAMESPACES.flatMap(ns => over(usage.get(ns)!, quotaIn(multi, ns)).map(o => `${ns}: ${o}`));
    expect(overs).toEqual([]);
  });

  it("were needed: infra does not fit the seed's quota on three nodes", () => {
    const infra = usageByNamespace([...multi, ...cnpg]).get("infra")!;
    expect(over(infra, QUOTA.hard)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^persistentvolumeclaims 6\.00 > 5$/)]),
    );
  });

  it("leave infra room for a replacement instance: its claim and its join Job (one instance's resources)", () => {
    const usage = usageByNamespace([...multi, ...cnpg]).get("infra")!;
    const instance = cnpg.find(o => o.kind === "Pod")!;
    const per = podAmounts(instance.spec);
    const busy: Usage = {
      "requests.cpu": usage["requests.cpu"] + per.requests.cpu,
      "requests.memory": usage["requests.memory"] + per.requests.memory,
      "limits.cpu": usage["limits.cpu"] + per.limits.cpu,
      "limits.memory": usage["limits.memory"] + per.limits.memory,
      persistentvolumeclaims: usage.persistentvolumeclaims + 1,
    };
    expect(over(busy, QUOTA_SIZES["three-node"].infra)).toEqual([]);
  });

  it("let the apps' autoscalers reach their maximum within the seed's quota", () => {
    const hpas = multi.filter(o => o.kind === "HorizontalPodAutoscaler");
    expect(hpas.map(h => h.metadata?.namespace).sort()).toEqual(["backend", "frontend"]);
    const atMax = multi.map(o => {
      const hpa = hpas.find(h => record(record(h.spec)?.scaleTargetRef)?.name === o.metadata?.name);
      return hpa && o.kind === "Deployment"
        ? { ...o, spec: { ...record(o.spec), replicas: record(hpa.spec)?.maxReplicas } }
        : o;
    });
    const usage = usageByNamespace(atMax.filter(o => o.kind !== "HorizontalPodAutoscaler"));
    for (const ns of ["frontend", "backend"]) expect([ns, over(usage.get(ns)!, QUOTA.hard)]).toEqual([ns, []]);
  });
});

describe("the module overlay's quota size", () => {
  let repo: string;
  const patchOf = (name: string) => join(repo, "clusters/overlays/multi-node/pepr-module", name);
  beforeEach(() => {
    repo = mkdtempSync(join(tmpdir(), "bonsai-module-overlay-"));
    cpSync(
      join(REPO, "clusters/overlays/multi-node/pepr-module"),
      join(repo, "clusters/overlays/multi-node/pepr-module"),
      {
        recursive: true,
      },
    );
  });
  afterEach(() => rmSync(repo, { recursive: true, force: true }));
  const edit = (file: string, from: string, to: string) =>
    writeFileSync(patchOf(file), readFileSync(patchOf(file), "utf8").replace(from, to));

  it("refuses an unknown size, naming the file, the field path and the sizes there are", () => {
    edit("watcher-deployment-patch.yaml", "value: three-node", "value: 3-node");
    expect(() => moduleOverlay(repo, "multi-node")).toThrow(
      'clusters/overlays/multi-node/pepr-module/watcher-deployment-patch.yaml: spec.template.spec.containers[0].env[0].value (BONSAI_QUOTA_SIZE) is "3-node", not a quota size; use one of single-node, three-node',
    );
  });

  it("refuses a size given to the admission pods but not to the watcher that writes the quotas", () => {
    edit("watcher-deployment-patch.yaml", "BONSAI_QUOTA_SIZE", "SOMETHING_ELSE");
    expect(() => moduleOverlay(repo, "multi-node")).toThrow(
      "BONSAI_QUOTA_SIZE is set for clusters/overlays/multi-node/pepr-module/admission-deployment-patch.yaml but not for Deployment pepr-bonsai-guardrails-watcher",
    );
  });

  it("refuses two different sizes", () => {
    edit("watcher-deployment-patch.yaml", "value: three-node", "value: single-node");
    expect(() => moduleOverlay(repo, "multi-node")).toThrow("the module's Deployments are given different quota sizes");
  });

  it("refuses a patch of something pepr deploy does not create", () => {
    edit("watcher-deployment-patch.yaml", "name: pepr-bonsai-guardrails-watcher", "name: other");
    expect(() => moduleOverlay(repo, "multi-node")).toThrow(
      "watcher-deployment-patch.yaml: a module patch holds one Deployment named pepr-bonsai-guardrails or pepr-bonsai-guardrails-watcher",
    );
  });
});
