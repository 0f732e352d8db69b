import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import type { KubeObject } from "../../capabilities/k8s/object";
import { isClusterScoped } from "../../capabilities/reports/policy-report";
import { resourceRef } from "../../capabilities/engine/result";
import { localChartRelease } from "./helm-release";

export type HelmTemplate = (
  chartDir: string,
  opts: { release: string; namespace: string; values: Record<string, unknown> },
) => string;

const REPO_ROOT = join(__dirname, "..", "..");

/** helm comes from tools/helm.ts (built from the Go module proxy); undefined when the repository has none. */
export function loadHelm(): HelmTemplate | undefined {
  const file = join(REPO_ROOT, "tools", "helm.ts");
  if (!existsSync(file)) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(file) as { helmTemplate?: HelmTemplate }).helmTemplate;
}

/** Namespaced objects a chart renders without a namespace land in the release's namespace, as helm installs them. */
export function placeInNamespace(objects: KubeObject[], namespace: string): KubeObject[] {
  return objects.map(o =>
    isClusterScoped(resourceRef(o)) || o.metadata?.namespace ? o : { ...o, metadata: { ...o.metadata, namespace } },
  );
}

/**
 * What a HelmRelease of one of our own charts installs: rendered with the release's values, so the audit and
 * `bonsai up` judge the Deployment, not just the HelmRelease. Undefined when the release is not a local chart.
 */
export function renderLocalRelease(
  obj: KubeObject,
  parse: (text: string, source: string) => KubeObject[],
): { objects: KubeObject[]; source: string } | { note: string } | undefined {
  const release = localChartRelease(obj);
  if (!release) return undefined;
  const helm = loadHelm();
  const source = `${release.chartPath} (HelmRelease ${release.namespace}/${release.release})`;
  if (!helm) return { note: `${source}: not rendered, tools/helm.ts is missing` };
  const chartDir = join(REPO_ROOT, release.chartPath);
  if (!existsSync(join(chartDir, "Chart.yaml")))
    return { note: `${source}: ${relative(REPO_ROOT, chartDir)} has no Chart.yaml` };
  return { objects: placeInNamespace(parse(helm(chartDir, release), source), release.namespace), source };
}
