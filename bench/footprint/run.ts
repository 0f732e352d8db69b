/**
 * Footprint benchmark: what `bonsai footprint` reports for the platform as it is in the repository today,
 * written to bench/results/footprint.json with the time the render and the sum took.
 * Usage: npx tsx bench/footprint/run.ts
 */
import { collectFootprint } from "../../lib/footprint/collect";
import { formatFootprint } from "../../lib/footprint/format";
import { loadNow, machineInfo } from "../lib/machine";
import { log, REPO_ROOT, writeResult } from "../lib/results";
import { nowMs, round } from "../lib/stats";

const GiB = 2 ** 30;

async function main(): Promise<void> {
  const t0 = nowMs();
  const report = await collectFootprint({ cwd: REPO_ROOT });
  const ms = nowMs() - t0;
  process.stdout.write(formatFootprint(report, true));
  const f = report.footprint;
  const path = await writeResult("footprint", {
    benchmark: "footprint",
    date: new Date().toISOString(),
    command: "npx tsx bench/footprint/run.ts (same as `node bin/bonsai.js footprint --format json`)",
    machine: machineInfo(),
    load: loadNow(),
    renderAndSumMs: round(ms, 0),
    verdict: report.verdict,
    sources: report.sources,
    notCounted: report.notCounted,
    namespaces: [...f.namespaces, f.total].map(n => ({
      namespace: n.namespace,
      pods: n.pods,
      cpuRequests: round(n.requests.cpu),
      cpuLimits: round(n.limits.cpu),
      cpuLimitUnboundedPods: n.limits.cpuUnbounded,
      memoryRequestsGiB: round(n.requests.memory / GiB),
      memoryLimitsGiB: round(n.limits.memory / GiB),
      memoryLimitUnboundedPods: n.limits.memoryUnbounded,
      storageGiB: round(n.storage / GiB),
    })),
    targets: {
      memoryRequestsGiB: { target: 6, measured: report.verdict.memoryRequestsGiB, met: report.verdict.fits },
    },
  });
  log(`wrote ${path} (${round(ms, 0)} ms)`);
}

main().catch(err => {
  process.stderr.write(`bench:footprint failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
