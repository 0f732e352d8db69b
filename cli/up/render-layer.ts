import { existsSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { isRecord, KubeObject } from "../../capabilities/policies/k8s-object";
import { kustomizeBuild } from "../../tools/kustomize";
import { localChartRelease } from "../audit/helm-release";

export interface RenderedLayer {
  objects: KubeObject[];
  /** Objects rendered from HelmReleases of our own charts (what helm-controller would install). */
  fromCharts: KubeObject[];
  notes: string[];
}

type HelmTemplate = (
  chartDir: string,
  opts: { release: string; namespace: string; values: Record<string, unknown> },
) => string;

/** helm comes from tools/helm.ts when the repository has it; without it HelmReleases stay unrendered, and say so. */
function loadHelm(): HelmTemplate | undefined {
  const file = join(__dirname, "..", "..", "tools", "helm.ts");
  if (!existsSync(file)) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as { helmTemplate?: HelmTemplate };
  return mod.helmTemplate;
}

const parseObjects = (text: string): KubeObject[] =>
  parseAllDocuments(text)
    .map(d => d.toJS() as unknown)
    .filter(isRecord) as KubeObject[];

/** A layer's objects as Flux would apply them, plus what its HelmReleases of local charts install. */
export function renderLayer(repoRoot: string, path: string): RenderedLayer {
  const objects = parseObjects(kustomizeBuild(join(repoRoot, path)));
  const fromCharts: KubeObject[] = [];
  const notes: string[] = [];
  const helm = loadHelm();
  for (const obj of objects) {
    const release = localChartRelease(obj);
    if (!release) continue;
    if (!helm) {
      notes.push(`HelmRelease ${release.namespace}/${release.release}: not rendered (tools/helm.ts missing)`);
      continue;
    }
    const rendered = parseObjects(helm(join(repoRoot, release.chartPath), release));
    for (const o of rendered) o.metadata = { ...o.metadata, namespace: o.metadata?.namespace ?? release.namespace };
    fromCharts.push(...rendered);
  }
  return { objects, fromCharts, notes };
}
