import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { isRecord, list, record } from "../../capabilities/k8s/object";
import { kustomizeBuild } from "../../tools/kustomize";

/** One Flux Kustomization of the cluster entry point: a folder applied after the layers it depends on. */
export interface Layer {
  name: string;
  path: string;
  dependsOn: string[];
}

/**
 * The layers of `clusters/<cluster>` in dependency order, read from its Flux Kustomizations, so that
 * `bonsai up` without Flux applies exactly what Flux would, in the same order.
 */
export function clusterLayers(repoRoot: string, cluster = "local"): Layer[] {
  const dir = join(repoRoot, "clusters", cluster);
  if (!existsSync(join(dir, "kustomization.yaml")))
    throw new Error(`${dir} has no kustomization.yaml; nothing to bring up`);
  const layers: Layer[] = [];
  for (const doc of parseAllDocuments(kustomizeBuild(dir))) {
    const obj = doc.toJS() as unknown;
    if (
      !isRecord(obj) ||
      obj.kind !== "Kustomization" ||
      !String(obj.apiVersion).startsWith("kustomize.toolkit.fluxcd.io/")
    )
      continue;
    const spec = record(obj.spec) ?? {};
    layers.push({
      name: String(record(obj.metadata)?.name),
      path: String(spec.path ?? "").replace(/^\.\//, ""),
      dependsOn: list(spec.dependsOn).map(d => String(record(d)?.name)),
    });
  }
  return orderLayers(layers);
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
