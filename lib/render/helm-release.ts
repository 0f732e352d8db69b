import { isRecord, KubeObject, record } from "../../capabilities/k8s/object";

/** What `helm template` needs to render a Flux HelmRelease of one of our local charts. */
export interface LocalChartRelease {
  release: string;
  namespace: string;
  /** Chart path relative to the repository root, e.g. `charts/bonsai-app`. */
  chartPath: string;
  values: Record<string, unknown>;
}

/**
 * A HelmRelease whose chart comes from the repository itself (`chart.spec.chart: ./charts/<name>` with a
 * GitRepository source), or undefined for charts from Helm repositories, which the audit cannot fetch.
 */
export function localChartRelease(obj: KubeObject): LocalChartRelease | undefined {
  if (
    obj.kind !== "HelmRelease" ||
    typeof obj.apiVersion !== "string" ||
    !obj.apiVersion.startsWith("helm.toolkit.fluxcd.io/")
  )
    return undefined;
  const spec = record(obj.spec) ?? {};
  const chartSpec = record(record(spec.chart)?.spec);
  const chart = chartSpec?.chart;
  if (typeof chart !== "string" || !/^\.?\/?charts\//.test(chart)) return undefined;
  if (record(chartSpec?.sourceRef)?.kind !== "GitRepository") return undefined;
  const meta = record(obj.metadata) ?? {};
  const release = typeof spec.releaseName === "string" && spec.releaseName ? spec.releaseName : String(meta.name ?? "");
  const namespace =
    typeof spec.targetNamespace === "string" && spec.targetNamespace
      ? spec.targetNamespace
      : typeof meta.namespace === "string"
        ? meta.namespace
        : "default";
  return {
    release,
    namespace,
    chartPath: chart.replace(/^\.?\//, "").replace(/\/$/, ""),
    values: isRecord(spec.values) ? spec.values : {},
  };
}
