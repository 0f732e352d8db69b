import { goInstallCached } from "../cache";

/**
 * VictoriaMetrics release built here. v1.154.1 is listed by the Go module proxy but cannot be built from it: its
 * go.mod needs Go 1.27.2 and its dependency github.com/VictoriaMetrics/metricsql v0.87.5 is refused by the proxy
 * (403 "not available"). v1.148.9 is the newest release whose whole module graph the proxy serves and which builds
 * with the repository's Go 1.26; its go.mod has no replace directives, so `go install` builds it directly.
 */
export const VICTORIAMETRICS_VERSION = "v1.148.9";

const MODULE = "github.com/VictoriaMetrics/VictoriaMetrics";

export interface MetricsBinaries {
  /** Single-node store: scrapes (-promscrape.config), stores, answers PromQL/MetricsQL on /api/v1/*. */
  victoriaMetrics: string;
  /** Rule evaluator: -dryRun parses rule files, otherwise evaluates them against the store. */
  vmalert: string;
}

/**
 * Pure-Go builds (CGO_ENABLED=0 selects VictoriaMetrics' pure zstd), stripped, cached per version under
 * ~/.cache/bonsai/bin/<name>-<version>/ with the marker goInstallCached writes last.
 */
export function ensureMetricsBinaries(): MetricsBinaries {
  const build = (name: string): string =>
    goInstallCached({
      name,
      version: VICTORIAMETRICS_VERSION,
      pkg: `${MODULE}/app/${name}`,
      env: { GOFLAGS: "-trimpath -ldflags=-s" },
    });
  return { victoriaMetrics: build("victoria-metrics"), vmalert: build("vmalert") };
}
