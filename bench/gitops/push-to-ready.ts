/**
 * Push-to-Ready: how long from `git push` until the real Flux controllers report every layer Ready at the pushed
 * commit (and the changed object is live), on the embedded plane with the guardrails in the loop. Side by side in
 * the same run, the baseline: the same change applied directly with `kubectl apply --server-side` (no git, no
 * Flux), time until it is live. Written to bench/results/gitops.json.
 * Usage: npx tsx bench/gitops/push-to-ready.ts [rounds=8]   (BONSAI_BENCH_MODULE=0: without the guardrails, whose
 * `pepr dev` needs port 3000 to itself)
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { startGitOps } from "../../test/e2e/gitops-harness";
import { loadNow, machineInfo } from "../lib/machine";
import { log, writeResult } from "../lib/results";
import { nowMs, round, summarize } from "../lib/stats";

const ROUNDS = Number(process.argv[2] ?? 8);

const configMap = (value: string) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name: "bench-push", namespace: "monitoring", labels: { "app.kubernetes.io/name": "bench-push" } },
  data: { value },
});

async function main(): Promise<void> {
  const withModule = process.env.BONSAI_BENCH_MODULE !== "0";
  const g = await startGitOps({ module: withModule });
  try {
    const file = join(g.clone, "apps/monitoring/bench-push.yaml");
    writeFileSync(file, stringify(configMap("0")));
    const k = join(g.clone, "apps/monitoring/kustomization.yaml");
    writeFileSync(k, readFileSync(k, "utf8").replace(/^resources:\n/m, "resources:\n  - bench-push.yaml\n"));
    const first = await g.pushAndSettle("bench: add the ConfigMap", 600_000);
    if (!first.ok)
      throw new Error(`the first reconcile did not get every layer Ready: ${JSON.stringify(first.layers)}`);
    log(`first reconcile of every layer: ${first.seconds.toFixed(1)} s`);
    const value = () =>
      g.c.cp.kubectl(["get", "configmap", "bench-push", "-n", "monitoring", "-o", "jsonpath={.data.value}"]).stdout;
    const flux: number[] = [];
    const live: number[] = [];
    const direct: number[] = [];
    for (let i = 1; i <= ROUNDS; i++) {
      writeFileSync(file, stringify(configMap(`flux-${i}`)));
      const t0 = nowMs();
      let liveAt: number | undefined;
      const watch = setInterval(() => {
        if (liveAt === undefined && value() === `flux-${i}`) liveAt = nowMs();
      }, 100);
      const r = await g.pushAndSettle(`bench: round ${i}`, 300_000);
      clearInterval(watch);
      if (!r.ok) throw new Error(`round ${i}: not every layer Ready: ${JSON.stringify(r.layers)}`);
      flux.push(nowMs() - t0);
      live.push((liveAt ?? nowMs()) - t0);
      // Baseline: the same kind of change straight to the API server.
      const t1 = nowMs();
      const applied = g.c.cp.kubectl(
        ["apply", "--server-side", "--force-conflicts", "--field-manager=bench", "-f", "-"],
        stringify(configMap(`direct-${i}`)),
      );
      if (applied.code !== 0) throw new Error(`direct apply failed: ${applied.stderr}`);
      while (value() !== `direct-${i}`) await new Promise(res => setTimeout(res, 50));
      direct.push(nowMs() - t1);
      log(
        `round ${i}: push-to-Ready ${round(flux[i - 1], 0)} ms, object live ${round(live[i - 1], 0)} ms, direct ${round(direct[i - 1], 0)} ms`,
      );
    }
    const s = { pushToAllReady: summarize(flux), pushToObjectLive: summarize(live), directApply: summarize(direct) };
    const path = await writeResult("gitops", {
      benchmark: "gitops push-to-Ready",
      date: new Date().toISOString(),
      command: `npx tsx bench/gitops/push-to-ready.ts ${ROUNDS}`,
      machine: machineInfo(),
      load: loadNow(),
      rounds: ROUNDS,
      guardrails: withModule ? "pepr dev (admission in the loop)" : "off",
      layers: g.layers.length + 1,
      firstReconcileSeconds: round(first.seconds, 1),
      ms: s,
      ratioMedianPushToReadyVsDirect: round(s.pushToAllReady.p50 / s.directApply.p50, 1),
    });
    log(`wrote ${path}`);
  } finally {
    await g.stop();
  }
}

main().catch(err => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
