import { join } from "node:path";
import type { KubeObject } from "../../capabilities/k8s/object";
import { isClusterScoped } from "../../capabilities/reports/policy-report";
import { resourceRef } from "../../capabilities/engine/result";
import { guardrailObjectsFor } from "../../capabilities/config/namespace-guardrails";
import { kustomizeBuild } from "../../tools/kustomize";
import { renderLocalRelease } from "./charts";
import { clusterEntry, Layer, layersOf } from "./layers";
import { clusterQuotaSize } from "./module-overlay";
import { parseObjects } from "./yaml";

/** The repository this code lives in. */
export const REPO_ROOT = join(__dirname, "..", "..");

/** What one layer puts in the cluster. */
export interface RenderedLayer {
  layer: Layer;
  /** The layer's kustomize output, as kustomize-controller applies it. */
  objects: KubeObject[];
  /** Objects rendered from the layer's HelmReleases of our own charts (what helm-controller would install). */
  fromCharts: KubeObject[];
  /** Where `fromCharts` came from, one `<chart> (HelmRelease <ns>/<name>)` per release. */
  chartSources: string[];
  /** What could not be rendered (charts from Helm repositories), one sentence each. */
  notes: string[];
}

/** Flux's `spec.targetNamespace`: every namespaced object of the layer lands in that namespace. */
function inTargetNamespace(objects: KubeObject[], namespace: string | undefined): KubeObject[] {
  if (!namespace) return objects;
  return objects.map(o => (isClusterScoped(resourceRef(o)) ? o : { ...o, metadata: { ...o.metadata, namespace } }));
}

/** A layer's objects as Flux would apply them, plus what its HelmReleases of local charts install. */
export function renderLayer(layer: Layer, repoRoot = REPO_ROOT): RenderedLayer {
  const objects = inTargetNamespace(
    parseObjects(kustomizeBuild(join(repoRoot, layer.path)), `${layer.path} (kustomize)`),
    layer.targetNamespace,
  );
  const fromCharts: KubeObject[] = [];
  const chartSources: string[] = [];
  const notes: string[] = [];
  for (const obj of objects) {
    const rendered = renderLocalRelease(obj, repoRoot);
    if (!rendered) continue;
    if ("note" in rendered) notes.push(rendered.note);
    else {
      fromCharts.push(...rendered.objects);
      chartSources.push(rendered.source);
    }
  }
  return { layer, objects, fromCharts, chartSources, notes };
}

/** The platform as a cluster of `clusters/<cluster>` gets it from git. */
export interface RenderedPlatform {
  /** The entry point's own objects (GitRepository, the Flux Kustomizations of the layers). */
  entry: KubeObject[];
  /** Every layer in Flux's dependsOn order. */
  layers: RenderedLayer[];
  /**
   * What the guardrails module creates in the app namespaces the layers define (quota, LimitRange, default-deny,
   * DNS egress; capabilities/config/namespace-guardrails.ts): in the cluster, never applied from git.
   */
  fromModule: KubeObject[];
  notes: string[];
}

/**
 * Renders `clusters/<cluster>`: its entry objects and every layer it points at, in dependency order, with the
 * HelmReleases of our charts rendered through tools/helm.ts. The one renderer of `bonsai up`, `bonsai audit`,
 * `bonsai footprint` and the repository tests; kustomize and helm are built once and cached (tools/cache.ts).
 */
export function renderPlatform(repoRoot = REPO_ROOT, cluster = "local"): RenderedPlatform {
  const entry = clusterEntry(repoRoot, cluster);
  const layers = layersOf(entry, `clusters/${cluster}`).map(l => renderLayer(l, repoRoot));
  const namespaces = layers.flatMap(l => l.objects).filter(o => o.kind === "Namespace");
  // The quota at the size the cluster's module overlay gives the module (module-overlay.ts).
  const size = clusterQuotaSize(repoRoot, cluster);
  const fromModule = namespaces.flatMap(ns => guardrailObjectsFor(String(ns.metadata?.name), size));
  return { entry, layers, fromModule, notes: layers.flatMap(l => l.notes) };
}

/**
 * Every object the layers put in the cluster (kustomize output and chart output), in apply order; with
 * `withModule`, also what the guardrails module creates (what a running cluster holds, for the repository tests).
 */
export function platformObjects(p: RenderedPlatform, opts: { withModule?: boolean } = {}): KubeObject[] {
  return [...p.layers.flatMap(l => [...l.objects, ...l.fromCharts]), ...(opts.withModule ? p.fromModule : [])];
}
