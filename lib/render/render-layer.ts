import { join } from "node:path";
import { loadAll } from "js-yaml";
import { isRecord, KubeObject } from "../../capabilities/k8s/object";
import { kustomizeBuild } from "../../tools/kustomize";
import { renderLocalRelease } from "./charts";

export interface RenderedLayer {
  objects: KubeObject[];
  /** Objects rendered from HelmReleases of our own charts (what helm-controller would install). */
  fromCharts: KubeObject[];
  notes: string[];
}

const parseObjects = (text: string): KubeObject[] => loadAll(text).filter(isRecord) as KubeObject[];

/** A layer's objects as Flux would apply them, plus what its HelmReleases of local charts install. */
export function renderLayer(repoRoot: string, path: string): RenderedLayer {
  const objects = parseObjects(kustomizeBuild(join(repoRoot, path)));
  const fromCharts: KubeObject[] = [];
  const notes: string[] = [];
  for (const obj of objects) {
    const rendered = renderLocalRelease(obj, parseObjects);
    if (!rendered) continue;
    if ("note" in rendered) notes.push(rendered.note);
    else fromCharts.push(...rendered.objects);
  }
  return { objects, fromCharts, notes };
}
