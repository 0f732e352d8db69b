import { existsSync } from "node:fs";
import { join } from "node:path";
import { KubeObject, list, record } from "../../capabilities/k8s/object";
import { fluxPathObjects } from "../../tools/flux/entry";

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

/**
 * The objects of `clusters/<cluster>` itself — the Flux Kustomizations that point at the layers, and after
 * `flux bootstrap` its flux-system/ folder — read as kustomize-controller reads the folder (tools/flux/entry.ts).
 */
export function clusterEntry(repoRoot: string, cluster = "local"): KubeObject[] {
  const dir = join(repoRoot, "clusters", cluster);
  if (!existsSync(dir)) throw new Error(`${dir} does not exist; nothing to bring up`);
  return fluxPathObjects(repoRoot, dir);
}

/** The layers among a cluster entry's objects (`entryPath`: the folder they sit in), in dependency order. */
export function layersOf(entry: KubeObject[], entryPath = "clusters/local"): Layer[] {
  const layers = entry.filter(isFluxKustomization).map(obj => {
    const spec = record(obj.spec) ?? {};
    return {
      name: String(record(obj.metadata)?.name),
      path: String(spec.path ?? "")
        .replace(/^\.\//, "")
        .replace(/\/$/, ""),
      dependsOn: list(spec.dependsOn).map(d => String(record(d)?.name)),
      ...(typeof spec.targetNamespace === "string" && spec.targetNamespace
        ? { targetNamespace: spec.targetNamespace }
        : {}),
    };
  });
  // bootstrap's own flux-system Kustomization (flux-system/gotk-sync.yaml) syncs the entry folder: not a layer.
  return orderLayers(layers.filter(l => l.path !== entryPath));
}

/**
 * The layers of `clusters/<cluster>` in dependency order, read from its Flux Kustomizations, so that
 * `bonsai up` without Flux applies exactly what Flux would, in the same order.
 */
export function clusterLayers(repoRoot: string, cluster = "local"): Layer[] {
  return layersOf(clusterEntry(repoRoot, cluster), `clusters/${cluster}`);
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
