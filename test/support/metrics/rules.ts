/**
 * `vmalert -dryRun`: parses rule files with the store's own MetricsQL parser and template checks. Returns the
 * error text (which names the file, group and rule) or undefined when they parse.
 */
import { spawnSync } from "node:child_process";
import { ensureMetricsBinaries } from "../../../tools/metrics/binaries";

export function vmalertDryRun(ruleFiles: string[]): string | undefined {
  const r = spawnSync(
    ensureMetricsBinaries().vmalert,
    ["-dryRun", "-loggerLevel=ERROR", ...ruleFiles.map(f => `-rule=${f}`)],
    {
      encoding: "utf8",
      timeout: 30_000,
    },
  );
  if (r.status === 0) return undefined;
  const text = `${r.stdout}${r.stderr}`;
  // The fatal line and what follows it carry the reason; the timestamps and source positions do not.
  const at = text.indexOf("failed to parse");
  return (at >= 0 ? text.slice(at) : text).trim() || `vmalert exited ${r.status ?? r.signal}`;
}

/** `victoria-metrics -promscrape.config.dryRun`: the scrape configuration as the store reads it (strict). */
export function scrapeConfigDryRun(file: string): string | undefined {
  const r = spawnSync(
    ensureMetricsBinaries().victoriaMetrics,
    ["-promscrape.config.dryRun", "-promscrape.config.strictParse", `-promscrape.config=${file}`, "-loggerLevel=ERROR"],
    { encoding: "utf8", timeout: 30_000 },
  );
  if (r.status === 0) return undefined;
  return `${r.stdout}${r.stderr}`.trim() || `victoria-metrics exited ${r.status ?? r.signal}`;
}
