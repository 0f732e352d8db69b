import { stringify } from "yaml";
import { ControlPlane } from "../../tools/controlplane/controlplane";
import { PeprDev, webhookUnreachable } from "../../tools/controlplane/pepr-dev";
import { sleep } from "../../tools/controlplane/processes";
import type { KubeObject } from "../../capabilities/policies/k8s-object";
import { contextFromObjects } from "../../capabilities/policies/context";
import { evaluateObject } from "../../capabilities/policies/engine";
import { clusterLayers } from "./layers";
import { renderLayer } from "./render-layer";
import { REPO_ROOT, writeUpRecord } from "./state";
import { fluxCrdFiles } from "./flux-crds";
import { provisionPendingClaims } from "./volumes";

export interface UpReport {
  kubeconfig: string;
  /** The guardrails' verdicts on everything now in the cluster, by result. */
  violations: Record<string, number>;
  applied: { layer: string; objects: number; denied: string[] }[];
  pods: { running: number; total: number };
  notes: string[];
}

const say = (m: string) => process.stderr.write(`bonsai up: ${m}\n`);

/** Namespaces and CRDs first: an apply that creates them together with their objects fails on the first pass. */
function firstPass(o: KubeObject) {
  return o.kind === "Namespace" || o.kind === "CustomResourceDefinition";
}

const WEBHOOK_RETRY_MS = 60_000;

async function applyAll(cp: ControlPlane, objects: KubeObject[]): Promise<string[]> {
  const denied: string[] = [];
  for (const batch of [objects.filter(firstPass), objects.filter(o => !firstPass(o))]) {
    for (const obj of batch) {
      const apply = () =>
        cp.kubectl(
          ["apply", "--server-side", "--force-conflicts", "--field-manager=bonsai-up", "-f", "-"],
          stringify(obj),
        );
      let r = apply();
      for (const deadline = Date.now() + WEBHOOK_RETRY_MS; r.code !== 0 && webhookUnreachable(r.stderr); ) {
        if (Date.now() > deadline) break;
        await sleep(1000);
        r = apply();
      }
      if (r.code !== 0)
        denied.push(
          `${obj.kind} ${obj.metadata?.namespace ? obj.metadata.namespace + "/" : ""}${obj.metadata?.name}: ${r.stderr.trim()}`,
        );
    }
    if (batch.some(o => o.kind === "CustomResourceDefinition"))
      cp.kubectl(["wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"]);
  }
  return denied;
}

const GOVERNED =
  "pods,deployments,statefulsets,daemonsets,jobs,cronjobs,services,networkpolicies,resourcequotas,limitranges,exemptions";

/** Every governed object in the cluster judged by the same engine as admission and the audit. */
export function liveSummary(cp: ControlPlane): Record<string, number> {
  const r = cp.kubectl(["get", GOVERNED, "-A", "-o", "json"]);
  const objects = (JSON.parse(r.stdout || '{"items":[]}') as { items: KubeObject[] }).items;
  const ctx = contextFromObjects(objects, { level: "restricted", mutate: false });
  const counts: Record<string, number> = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
  for (const obj of objects) for (const res of evaluateObject(obj, ctx)) counts[res.result]++;
  return counts;
}

/**
 * The platform on the embedded control plane: etcd + kube-apiserver + controllers + kwok, the module run
 * as `pepr dev`, then every layer of clusters/local in Flux's order. Everything keeps running after this
 * process exits; `bonsai down` stops it by the recorded PIDs.
 */
export async function upEmbedded(stateDir: string): Promise<UpReport> {
  const cp = await ControlPlane.start({ stateDir, detach: true, progress: say });
  writeUpRecord(stateDir, { mode: "embedded", kubeconfig: cp.kubeconfig, startedAt: new Date().toISOString() });
  const notes: string[] = [];
  say("installing the Flux CRDs (so GitRepository, Kustomization and HelmRelease objects apply)");
  for (const file of fluxCrdFiles()) {
    const r = cp.kubectl(["apply", "--server-side", "-f", file]);
    if (r.code !== 0) throw new Error(`applying ${file} failed: ${r.stderr}`);
  }
  const dev = await PeprDev.start(cp, { progress: say });
  writeUpRecord(stateDir, {
    mode: "embedded",
    kubeconfig: cp.kubeconfig,
    peprDevPid: dev.pid,
    startedAt: new Date().toISOString(),
  });
  const applied: UpReport["applied"] = [];
  for (const layer of clusterLayers(REPO_ROOT)) {
    say(`applying layer ${layer.name} (${layer.path})`);
    const rendered = renderLayer(REPO_ROOT, layer.path);
    notes.push(...rendered.notes);
    const objects = [...rendered.objects, ...rendered.fromCharts];
    applied.push({ layer: layer.name, objects: objects.length, denied: await applyAll(cp, objects) });
  }
  // StatefulSets create their claims a moment after they are applied: give them time, then bind them all.
  await sleep(3000);
  const volumes = await provisionPendingClaims(cp);
  if (volumes.length) notes.push(`${volumes.length} PersistentVolumes stood in for k3s's local-path provisioner`);
  say("waiting for pods to be Running on the kwok node");
  let pods = { running: 0, total: 0 };
  for (let i = 0; i < 60; i++) {
    const list = JSON.parse(cp.kubectl(["get", "pods", "-A", "-o", "json"]).stdout || '{"items":[]}') as {
      items: { status?: { phase?: string } }[];
    };
    pods = { running: list.items.filter(p => p.status?.phase === "Running").length, total: list.items.length };
    if (pods.total > 0 && pods.running === pods.total) break;
    await sleep(1000);
  }
  return { kubeconfig: cp.kubeconfig, applied, pods, notes, violations: liveSummary(cp) };
}
