import { MODULE_NAMESPACE } from "../../tools/controlplane/pepr-deploy";
import { stringify } from "yaml";
import { KubeObject, objectRef } from "../../capabilities/k8s/object";
import { contextFromObjects } from "../../capabilities/engine/context";
import { evaluateObject } from "../../capabilities/engine/engine";
import { SCAN_KINDS } from "../../capabilities/engine/registry";
import { KINDS } from "../../capabilities/k8s/kinds";
import type { PolicyResult } from "../../capabilities/engine/result";
import type { QuotaSize } from "../../capabilities/config/quota-sizes";
import { sleep } from "../../tools/controlplane/processes";
import { clusterLayers, renderLayer } from "../../lib/render";
import { fluxCrdFiles } from "../../tools/flux-crds";
import { FLUX_NAMESPACE } from "../../tools/flux/sync";
import { installHelmReleases } from "./helm-releases";

/** kubectl against the target cluster: the embedded plane's own, or the one on PATH for k3d. */
export type Kubectl = (args: string[], input?: string) => { code: number; stdout: string; stderr: string };

export interface AppliedLayer {
  layer: string;
  objects: number;
  denied: string[];
}

/** Namespaces and CRDs first: an apply that creates them together with their objects fails on the first pass. */
function firstPass(o: KubeObject) {
  return o.kind === "Namespace" || o.kind === "CustomResourceDefinition";
}

/**
 * Applies objects one by one (so one refusal does not hide the others), namespaces and CRDs first.
 * `retry` says whether a failure is transient (the module's webhook restarting) and worth a retry for a minute.
 */
export async function applyObjects(
  kubectl: Kubectl,
  objects: KubeObject[],
  retry: (stderr: string) => boolean = () => false,
  fieldManager = "bonsai-up",
): Promise<string[]> {
  const denied: string[] = [];
  for (const batch of [objects.filter(firstPass), objects.filter(o => !firstPass(o))]) {
    for (const obj of batch) {
      const apply = () =>
        kubectl(
          ["apply", "--server-side", "--force-conflicts", `--field-manager=${fieldManager}`, "-f", "-"],
          stringify(obj),
        );
      let r = apply();
      for (const deadline = Date.now() + 60_000; r.code !== 0 && retry(r.stderr) && Date.now() < deadline; ) {
        await sleep(1000);
        r = apply();
      }
      if (r.code !== 0) denied.push(`${objectRef(obj)}: ${r.stderr.trim()}`);
    }
    if (batch.some(o => o.kind === "CustomResourceDefinition"))
      kubectl(["wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"]);
  }
  return denied;
}

/** The Flux CRDs, so that GitRepository, Kustomization and HelmRelease objects apply without Flux running. */
export function installFluxCrds(kubectl: Kubectl): void {
  for (const file of fluxCrdFiles()) {
    const r = kubectl(["apply", "--server-side", "-f", file]);
    if (r.code !== 0) throw new Error(`applying ${file} failed: ${r.stderr}`);
  }
}

/** kustomize-controller's own marks (its field manager and inventory labels), so that Flux adopts the objects. */
const FLUX_MANAGER = "kustomize-controller";
function asFluxApplies(objects: KubeObject[], layer: string): KubeObject[] {
  return objects.map(o => ({
    ...o,
    metadata: {
      ...o.metadata,
      labels: {
        ...(o.metadata?.labels ?? {}),
        "kustomize.toolkit.fluxcd.io/name": layer,
        "kustomize.toolkit.fluxcd.io/namespace": FLUX_NAMESPACE,
      },
    },
  }));
}

/**
 * Every layer of clusters/local in Flux's dependsOn order, as Flux would apply it, for a cluster without Flux:
 * kustomize-rendered and applied with kustomize-controller's field manager and labels, and our chart's
 * HelmReleases installed by real Helm as helm-controller would (cli/up/helm-releases.ts) — so that Flux,
 * installed later, adopts all of it instead of fighting it.
 */
export async function applyLayers(
  repoRoot: string,
  kubectl: Kubectl,
  opts: {
    progress: (m: string) => void;
    retry?: (stderr: string) => boolean;
    /** Runs before a layer's objects are applied (what must exist first, e.g. the ingress TLS Secret); notes back. */
    beforeLayer?: (objects: KubeObject[]) => string[];
    /** How helm reaches the cluster (--kubeconfig / --kube-context; none: helm's current context). */
    helmKube?: string[];
    /** Which folder of clusters/ (default local). */
    cluster?: string;
    /** What the target cannot take, left out of each layer (e.g. pod-served webhooks on the embedded plane). */
    leaveOut?: (objects: KubeObject[]) => { objects: KubeObject[]; left: string[] };
  },
): Promise<{ applied: AppliedLayer[]; notes: string[]; objects: KubeObject[] }> {
  const applied: AppliedLayer[] = [];
  const notes: string[] = [];
  const all: KubeObject[] = [];
  for (const layer of clusterLayers(repoRoot, opts.cluster)) {
    opts.progress(`applying layer ${layer.name} (${layer.path})`);
    const rendered = renderLayer(layer, repoRoot);
    notes.push(...rendered.notes);
    let objects = asFluxApplies(rendered.objects, layer.name);
    if (opts.leaveOut) {
      const r = opts.leaveOut(objects);
      objects = r.objects;
      if (r.left.length) notes.push(`layer ${layer.name}: left out ${r.left.join(", ")}`);
    }
    all.push(...objects, ...rendered.fromCharts);
    notes.push(...(opts.beforeLayer?.(objects) ?? []));
    const denied = await applyObjects(kubectl, objects, opts.retry, FLUX_MANAGER);
    const releases = objects.filter(o => o.kind === "HelmRelease");
    let charts = 0;
    if (releases.length) {
      try {
        const helm = installHelmReleases(releases, { kube: opts.helmKube ?? [], source: { checkout: repoRoot } });
        notes.push(...helm.skipped);
        charts = rendered.fromCharts.length;
        if (helm.installed.length)
          notes.push(
            `layer ${layer.name}: HelmReleases installed by real Helm as helm-controller would (adoptable): ` +
              helm.installed.map(i => `${i.namespace}/${i.release}`).join(", "),
          );
      } catch (err) {
        denied.push(`HelmReleases of layer ${layer.name}: ${(err as Error).message}`);
      }
    }
    applied.push({ layer: layer.name, objects: objects.length + charts, denied });
  }
  return { applied, notes, objects: all };
}

/** What the module's background scan judges (the registry's SCAN_KINDS), as `kubectl get` names it. */
const GOVERNED = SCAN_KINDS.map(k => KINDS[k].plural).join(",");

/** Every governed object in the cluster judged by the same engine as admission and the audit. */
export function liveResults(kubectl: Kubectl, quotaSize?: QuotaSize): { object: KubeObject; result: PolicyResult }[] {
  const r = kubectl(["get", GOVERNED, "-A", "-o", "json"]);
  // pepr-system holds the module itself, as `pepr deploy` writes it (Pepr 1.1.4 sets no seccomp profile and no
  // read-only root, and cannot be told to); its webhooks never see that namespace, so neither does this summary.
  const objects = (JSON.parse(r.stdout || '{"items":[]}') as { items: KubeObject[] }).items.filter(
    o => o.metadata?.namespace !== MODULE_NAMESPACE,
  );
  // Quotas capped at the size the cluster's module runs with, as its admission pods cap them.
  const ctx = contextFromObjects(objects, { level: "restricted", mutate: false, quotaSize });
  return objects.flatMap(object => evaluateObject(object, ctx).map(result => ({ object, result })));
}

/** liveResults counted by result. */
export function liveSummary(kubectl: Kubectl, quotaSize?: QuotaSize): Record<string, number> {
  const counts: Record<string, number> = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
  for (const { result } of liveResults(kubectl, quotaSize)) counts[result.result]++;
  return counts;
}
