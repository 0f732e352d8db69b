import { existsSync } from "node:fs";
import { basename, join, relative } from "node:path";
import type { KubeObject } from "../../capabilities/k8s/object";
import { isClusterScoped } from "../../capabilities/reports/policy-report";
import { resourceRef } from "../../capabilities/engine/result";
import { helmTemplate } from "../../tools/helm";
import { localChartRelease } from "./helm-release";
import { InputError, parseObjects } from "./yaml";

const REPO_ROOT = join(__dirname, "..", "..");

/** Namespaced objects a chart renders without a namespace land in the release's namespace, as helm installs them. */
export function placeInNamespace(objects: KubeObject[], namespace: string): KubeObject[] {
  return objects.map(o =>
    isClusterScoped(resourceRef(o)) || o.metadata?.namespace ? o : { ...o, metadata: { ...o.metadata, namespace } },
  );
}

/** `helm template` of a chart directory (tools/helm.ts: the same helm and flags everywhere), parsed. */
export function renderChart(
  chartDir: string,
  opts: { release?: string; namespace?: string; values?: Record<string, unknown>; source: string },
): KubeObject[] {
  const namespace = opts.namespace ?? "default";
  let text: string;
  try {
    text = helmTemplate(chartDir, { release: opts.release ?? basename(chartDir), namespace, values: opts.values });
  } catch (err) {
    throw new InputError(`${opts.source}: helm template failed: ${(err as Error).message}`);
  }
  return placeInNamespace(parseObjects(text, opts.source), namespace);
}

/** A HelmRelease's objects with their source, or why they could not be rendered (`remote`: from a Helm repository). */
export type ReleaseRender = { objects: KubeObject[]; source: string } | { note: string; remote: boolean };

/**
 * What a HelmRelease installs. Our own charts (`./charts/…` from the GitRepository) are rendered with the
 * release's values, so the audit and `bonsai up` judge the Deployment, not just the HelmRelease; a chart from
 * a Helm repository cannot be rendered offline and gives a note. Undefined for objects that are no HelmRelease.
 */
export function renderLocalRelease(obj: KubeObject, repoRoot = REPO_ROOT): ReleaseRender | undefined {
  if (obj.kind !== "HelmRelease" || !String(obj.apiVersion).startsWith("helm.toolkit.fluxcd.io/")) return undefined;
  const release = localChartRelease(obj);
  if (!release)
    return {
      note: `HelmRelease ${obj.metadata?.namespace ?? "default"}/${obj.metadata?.name}: chart from a Helm repository, not rendered offline`,
      remote: true,
    };
  const source = `${release.chartPath} (HelmRelease ${release.namespace}/${release.release})`;
  const chartDir = join(repoRoot, release.chartPath);
  if (!existsSync(join(chartDir, "Chart.yaml")))
    return { note: `${source}: ${relative(repoRoot, chartDir)} has no Chart.yaml`, remote: false };
  return { objects: renderChart(chartDir, { ...release, source }), source };
}
