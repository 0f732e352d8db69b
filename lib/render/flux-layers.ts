import { existsSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import type { KubeObject } from "../../capabilities/k8s/object";
import { layersOf } from "./layers";
import { renderLayer } from "./platform";
import { InputError, SourcedObject } from "./yaml";

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();

/**
 * The folder Flux Kustomization paths are relative to (the GitRepository's root): the nearest folder at or above
 * `dir` under which every layer's `spec.path` is a folder.
 */
function sourceRoot(dir: string, paths: string[]): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    if (paths.every(p => isDir(join(at, p)))) return at;
    if (dirname(at) === at) return undefined;
  }
}

/**
 * A Flux entry folder (clusters/<cluster>) holds only the Flux Kustomizations of its layers, so auditing it alone
 * would judge those and nothing they apply. When `objects` (what was read from the folder `dir`) hold Flux
 * Kustomizations, this renders each layer as Flux applies it (`spec.path` from the repository root, kustomize,
 * `targetNamespace`, and the HelmReleases of our charts; lib/render/platform.ts renderLayer) and returns those
 * objects, each with its layer as source. A layer path that exists nowhere above `dir` is an InputError naming the
 * Kustomization and the field. Nothing for a folder without Flux Kustomizations.
 */
export function fluxLayerObjects(dir: string, objects: SourcedObject[], cwd: string): SourcedObject[] {
  const entry: KubeObject[] = objects.map(o => o.object);
  const display = relative(cwd, dir) || ".";
  let layers;
  try {
    layers = layersOf(entry, "").filter(l => l.path !== "" && l.path !== ".");
  } catch (err) {
    throw new InputError(`${display}: ${(err as Error).message}`);
  }
  if (!layers.length) return [];
  const root = sourceRoot(
    dir,
    layers.map(l => l.path),
  );
  if (!root) {
    const missing = layers.filter(l => !isDir(join(dir, l.path)) && !isDir(join(cwd, l.path)));
    throw new InputError(
      `${display}: Flux Kustomization ${missing.map(l => l.name).join(", ") || layers[0].name}: spec.path ` +
        `${(missing[0] ?? layers[0]).path} is not a folder under any folder above ${display}; ` +
        `audit the entry point inside the repository it belongs to`,
    );
  }
  // The entry's own folder (bootstrap's flux-system Kustomization syncs it) is what was just read.
  const entryPath = relative(root, dir);
  return layers
    .filter(l => l.path !== entryPath)
    .flatMap(l => {
      const r = renderLayer(l, root);
      const source = `${l.path} (Flux Kustomization ${l.name})`;
      return [
        ...r.objects.map(object => ({ object, source })),
        ...r.fromCharts.map(object => ({ object, source: `${source}, chart output` })),
      ];
    });
}
