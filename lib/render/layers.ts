import { existsSync } from "node:fs";
import { join } from "node:path";
import { KubeObject, list, record } from "../../capabilities/k8s/object";
import { kustomizeBuild } from "../../tools/kustomize";
import { parseObjects } from "./yaml";

/** One Flux Kustomization of the cluster entry point: a folder applied after the layers it depends on. */
export interface Layer {
  name: string;
  /** Folder relative to the repository root (`spec.path` without its leading `./`). */
  path: string;
  dependsOn: string[];
  /** `spec.targetNamespace`: the namespace Flux sets on every namespaced object of the layer. */
  targetNamespace?: string;
}

/** Is this a Flux Kustomization (not a kustomize.config.k8s.io one)? */
export function isFluxKustomization(obj: { apiVersion?: unknown; kind?: unknown }): boolean {
  return obj.kind === "Kustomization" && String(obj.apiVersion).startsWith("kustomize.toolkit.fluxcd.io/");
}

/** The objects of `clusters/<cluster>` itself: the Flux sources and Kustomizations that point at the layers. */
export function clusterEntry(repoRoot: string, cluster = "local"): KubeObject[] {
  const dir = join(repoRoot, "clusters", cluster);
  if (!existsSync(join(dir, "kustomization.yaml")))
    throw new Error(`${dir} has no kustomization.yaml; nothing to bring up`);
  return parseObjects(kustomizeBuild(dir), `clusters/${cluster} (kustomize)`);
}

/** The layers among a cluster entry's objects, in dependency order. */
export function layersOf(entry: KubeObject[]): Layer[] {
  return orderLayers(
    entry.filter(isFluxKustomization).map(obj => {
      const spec = record(obj.spec) ?? {};
      return {
        name: String(record(obj.metadata)?.name),
        path: String(spec.path ?? "").replace(/^\.\//, ""),
        dependsOn: list(spec.dependsOn).map(d => String(record(d)?.name)),
        ...(typeof spec.targetNamespace === "string" && spec.targetNamespace
          ? { targetNamespace: spec.targetNamespace }
          : {}),
      };
    }),
  );
}

/**
 * The layers of `clusters/<cluster>` in dependency order, read from its Flux Kustomizations, so that
 * `bonsai up` without Flux applies exactly what Flux would, in the same order.
 */
export function clusterLayers(repoRoot: string, cluster = "local"): Layer[] {
  return layersOf(clusterEntry(repoRoot, cluster));
}

/** Topological order (ties by name, so the order is stable); a cycle or a missing dependency is an error. */
export function orderLayers(layers: Layer[]): Layer[] {
  const byName = new Map(layers.map(l => [l.name, l]));
  const done = new Set<string>();
  const out: Layer[] = [];
  const visiting = new Set<string>();
  const visit = (l: Layer) => {
    if (done.has(l.name)) return;
    if (visiting.has(l.name))
      throw new Error(`Flux Kustomization ${l.name} depends on itself through ${[...visiting].join(" → ")}`);
    visiting.add(l.name);
    for (const dep of l.dependsOn) {
      const d = byName.get(dep);
      if (!d) throw new Error(`Flux Kustomization ${l.name} depends on ${dep}, which clusters/ does not define`);
      visit(d);
    }
    visiting.delete(l.name);
    done.add(l.name);
    out.push(l);
  };
  for (const l of [...layers].sort((a, b) => a.name.localeCompare(b.name))) visit(l);
  return out;
}
