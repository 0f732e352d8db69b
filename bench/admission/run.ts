/**
 * Admission benchmark: the guardrails module and a no-op Pepr module, side by side in one run, over HTTPS, at
 * fixed concurrency levels (closed loop) and at a fixed rate (open loop); then `dryRun=All` creates through the
 * embedded kube-apiserver with no webhooks, the no-op's and the guardrails' (when tools/controlplane and its
 * binaries are there). Usage: npx tsx bench/admission/run.ts [--duration 5] [--rounds 4] [--levels 1,16,64]
 * [--warmup 2] [--rate 400] [--no-apiserver] [--profile] [--monitor] [--no-build] [--log-level info]
 * Writes bench/results/admission.json (admission-profile.json with --profile, admission-monitor.json with
 * --monitor); prints a summary table. See BENCHMARKS.md.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { platformClusterState } from "../lib/cluster-state";
import { perRequestByCategory } from "../lib/cpuprofile";
import { startFakeApiServer } from "../lib/fake-apiserver";
import {
  httpsAgent,
  LoadRequest,
  runLoad,
  runOpenLoad,
  RunsSummary,
  Sample,
  sendOne,
  summarizeRuns,
} from "../lib/load";
import { load1, loadNow, machineInfo } from "../lib/machine";
import { buildPeprModule, moduleWebhookRules, RunningController, startController } from "../lib/pepr-module";
import { log, WORK_DIR, writeResult } from "../lib/results";
import { median, round, summarize } from "../lib/stats";
import { selfSignedTls } from "../lib/tls";
import { apiServerBench } from "./apiserver";
import { policyCost } from "./policy-cost";
import { requestMix, ReviewTemplate, sameBenchRules, uidFor } from "./requests";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "5" },
    rounds: { type: "string", default: "4" },
    levels: { type: "string", default: "1,16,64" },
    rate: { type: "string", default: "400" },
    warmup: { type: "string", default: "2" },
    profile: { type: "boolean", default: false },
    monitor: { type: "boolean", default: false },
    "no-build": { type: "boolean", default: false },
    "no-apiserver": { type: "boolean", default: false },
    "log-level": { type: "string", default: "info" },
  },
});

const MODULES = [
  { name: "guardrails", entry: "pepr.ts" },
  { name: "noop", entry: "bench/noop-module/pepr.ts" },
] as const;
type ModuleName = (typeof MODULES)[number]["name"];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

interface LevelResult extends RunsSummary {
  concurrency: number;
  byShape: Record<string, { p50: number; p99: number; allowed: number; denied: number }>;
}

function aggregate(
  concurrency: number,
  runs: { samples: Sample[]; elapsedMs: number; load1: number }[],
  mix: ReviewTemplate[],
): LevelResult {
  const ok = runs.flatMap(r => r.samples).filter(s => !s.error);
  const byShape: LevelResult["byShape"] = {};
  mix.forEach((t, i) => {
    const mine = ok.filter(s => s.shape === i);
    const sum = summarize(mine.map(s => s.ms));
    byShape[t.label] = {
      p50: sum.p50,
      p99: sum.p99,
      allowed: mine.filter(s => s.allowed).length,
      denied: mine.filter(s => !s.allowed).length,
    };
  });
  return { concurrency, ...summarizeRuns(runs), byShape };
}

async function main(): Promise<void> {
  const durationMs = Number(args.duration) * 1000;
  const rounds = Number(args.rounds);
  const warmupMs = Number(args.warmup) * 1000;
  const levels = args.levels.split(",").map(Number);
  const machine = machineInfo();
  const loadBefore = loadNow();
  log(`machine: ${machine.nproc} cores, ${machine.cpuModel}, node ${machine.node}; load ${loadBefore.join(" ")}`);

  const bundles: Record<ModuleName, string> = { guardrails: "", noop: "" };
  for (const m of MODULES) {
    const out = join(WORK_DIR, "modules", m.name);
    const existing = join(
      out,
      `pepr-${JSON.parse(readFileSync(join(m.entry, "..", "package.json"), "utf8")).pepr.uuid}.js`,
    );
    bundles[m.name] = args["no-build"] && existsSync(existing) ? existing : buildPeprModule(m.entry, out);
  }

  const tls = selfSignedTls(join(WORK_DIR, "tls"));
  const ca = readFileSync(tls.cert);
  mkdirSync(WORK_DIR, { recursive: true });
  const state = platformClusterState();
  const api = await startFakeApiServer(join(WORK_DIR, "kubeconfig"), state);
  log(`fake API server ${api.url}: ${state.limitranges.length} LimitRanges, ${state.exemptions.length} Exemptions`);

  const inProcess = policyCost(state);
  log(`in-process policy cost (µs): ${JSON.stringify(inProcess)}`);

  mkdirSync(join(WORK_DIR, "monitor"), { recursive: true });
  const profDir = join(WORK_DIR, "profiles");
  if (args.profile) rmSync(profDir, { recursive: true, force: true });
  const controllers = {} as Record<ModuleName, RunningController>;
  try {
    for (const m of MODULES) {
      controllers[m.name] = await startController({
        name: m.name,
        bundle: bundles[m.name],
        port: await freePort(),
        tls,
        kubeconfig: api.kubeconfig,
        logFile: join(WORK_DIR, "logs", `${m.name}.log`),
        cpuProfDir: args.profile ? join(profDir, m.name) : undefined,
        monitorFile: args.monitor ? join(WORK_DIR, "monitor", `${m.name}.json`) : undefined,
        logLevel: args["log-level"],
      });
      log(`${m.name} controller ready on :${controllers[m.name].port} (${bundles[m.name]})`);
    }

    const rules = moduleWebhookRules(bundles.guardrails);
    const differ = sameBenchRules(rules, moduleWebhookRules(bundles.noop));
    if (differ) throw new Error(`the no-op module must bind what the guardrails module binds: ${differ}`);
    const mix = requestMix(rules);
    let seq = 0;
    const nextFor = (c: RunningController) => (): LoadRequest => {
      const n = seq++;
      const shape = n % mix.length;
      const t = mix[shape];
      const uid = uidFor(n);
      return {
        path: `/${t.endpoint}/${c.apiPath}`,
        body: Buffer.concat([t.before, uid, t.after]),
        shape,
        uid: uid.toString(),
      };
    };
    const served: Record<ModuleName, number> = { guardrails: 0, noop: 0 };
    const run = (m: ModuleName, concurrency: number, ms: number) =>
      runLoad({
        port: controllers[m].port,
        ca,
        concurrency,
        durationMs: ms,
        timeoutMs: 10_000,
        next: nextFor(controllers[m]),
      }).then(r => {
        served[m] += r.samples.length;
        return r;
      });

    // What each module answers to each shape, once: proves the guardrails judge and the no-op approves.
    const verdicts: Record<string, Record<string, string>> = {};
    for (const m of MODULES) {
      verdicts[m.name] = {};
      const agent = httpsAgent(1, ca);
      for (let i = 0; i < mix.length; i++) {
        seq = i;
        const one = await sendOne(agent, controllers[m.name].port, 10_000, nextFor(controllers[m.name])());
        served[m.name]++;
        verdicts[m.name][mix[i].label] = one.error ?? (one.allowed ? "allowed" : "denied");
      }
      agent.destroy();
    }
    log(`verdicts: ${JSON.stringify(verdicts)}`);

    const apiCallsBefore = new Map(api.requests);
    const results: Record<ModuleName, LevelResult[]> = { guardrails: [], noop: [] };
    for (const c of levels) {
      for (const m of MODULES) await run(m.name, c, warmupMs); // JIT warm-up, connections opened
      const runs: Record<ModuleName, { samples: Sample[]; elapsedMs: number; load1: number }[]> = {
        guardrails: [],
        noop: [],
      };
      for (let r = 0; r < rounds; r++) {
        // Alternate, and swap the order every round, so drift in the machine's load hits both alike.
        const order = r % 2 === 0 ? MODULES : [...MODULES].reverse();
        for (const m of order) {
          const res = await run(m.name, c, durationMs);
          runs[m.name].push({ ...res, load1: load1() });
        }
      }
      for (const m of MODULES) results[m.name].push(aggregate(c, runs[m.name], mix));
      const g = results.guardrails.at(-1)!;
      const n = results.noop.at(-1)!;
      log(
        `c=${c}: guardrails p50 ${g.latencyMs.p50} p99 ${g.latencyMs.p99} max ${g.latencyMs.max} ms ${g.rps} req/s ` +
          `err ${g.errors} | noop p50 ${n.latencyMs.p50} p99 ${n.latencyMs.p99} max ${n.latencyMs.max} ms ${n.rps} req/s err ${n.errors}`,
      );
    }
    // Open loop at a fixed rate below both modules' capacity: the time a request takes without a queue.
    const rate = Number(args.rate);
    const openRuns: Record<ModuleName, { samples: Sample[]; elapsedMs: number; load1: number }[]> = {
      guardrails: [],
      noop: [],
    };
    const openWindows: Record<ModuleName, { from: number; to: number }[]> = { guardrails: [], noop: [] };
    for (let r = 0; rate > 0 && r < rounds; r++) {
      const order = r % 2 === 0 ? MODULES : [...MODULES].reverse();
      for (const m of order) {
        const from = Date.now();
        const res = await runOpenLoad({
          port: controllers[m.name].port,
          ca,
          ratePerSec: rate,
          maxInFlight: 64,
          durationMs,
          timeoutMs: 10_000,
          next: nextFor(controllers[m.name]),
        });
        served[m.name] += res.samples.length;
        openWindows[m.name].push({ from, to: Date.now() });
        openRuns[m.name].push({ ...res, load1: load1() });
      }
    }
    const openLoop =
      rate > 0
        ? {
            ratePerSec: rate,
            guardrails: aggregate(0, openRuns.guardrails, mix),
            noop: aggregate(0, openRuns.noop, mix),
          }
        : undefined;
    if (openLoop)
      log(
        `open loop ${rate}/s: guardrails p50 ${openLoop.guardrails.latencyMs.p50} p99 ${openLoop.guardrails.latencyMs.p99} ms | ` +
          `noop p50 ${openLoop.noop.latencyMs.p50} p99 ${openLoop.noop.latencyMs.p99} ms`,
      );
    const apiCalls: Record<string, number> = {};
    for (const [k, v] of api.requests) {
      const d = v - (apiCallsBefore.get(k) ?? 0);
      if (d) apiCalls[k] = d;
    }

    // Through the embedded API server, when the harness and its binaries are there.
    const apiServer =
      args["no-apiserver"] || args.profile || args.monitor
        ? { status: "skipped", reason: "--no-apiserver, --profile or --monitor" }
        : await apiServerBench({
            targets: MODULES.map(m => ({
              name: m.name,
              port: controllers[m.name].port,
              apiPath: controllers[m.name].apiPath,
              rules: moduleWebhookRules(bundles[m.name]),
            })),
            webhookCert: ca,
            levels,
            rounds: Math.min(rounds, 2),
            durationMs,
            warmupMs,
          }).catch((err: unknown) => ({ status: "failed", reason: err instanceof Error ? err.message : String(err) }));
    if (apiServer.status !== "done")
      log(`API server part: ${apiServer.status}: ${"reason" in apiServer ? apiServer.reason : ""}`);

    const comparison = levels.map((c, i) => {
      const g = results.guardrails[i];
      const n = results.noop[i];
      return {
        concurrency: c,
        p50DeltaMs: round(g.latencyMs.p50 - n.latencyMs.p50),
        p99DeltaMs: round(g.latencyMs.p99 - n.latencyMs.p99),
        p50Ratio: round(g.latencyMs.p50 / n.latencyMs.p50, 2),
        p99Ratio: round(g.latencyMs.p99 / n.latencyMs.p99, 2),
        rpsRatio: round(g.rps / n.rps, 2),
        /**
         * Time per request at saturation (1 / req/s), guardrails minus no-op: the extra CPU each request costs
         * the single-threaded controller. In a closed loop at concurrency c the queue multiplies it by about c.
         */
        perRequestCostDeltaUs: round((1 / g.rps - 1 / n.rps) * 1e6, 0),
        /** the same comparison per round pair, median: less sensitive to one noisy round */
        medianRoundP50DeltaMs: round(
          median(g.rounds.map((gr, j) => gr.p50 - (n.rounds[j]?.p50 ?? NaN)).filter(Number.isFinite)),
        ),
        medianRoundP99DeltaMs: round(
          median(g.rounds.map((gr, j) => gr.p99 - (n.rounds[j]?.p99 ?? NaN)).filter(Number.isFinite)),
        ),
        errorsGuardrails: g.errors,
        errorsNoop: n.errors,
      };
    });
    const at16 = comparison.find(c => c.concurrency === 16);
    const at64 = comparison.find(c => c.concurrency === 64);
    const targets = {
      p50DeltaAt16Ms: { target: 1, measured: at16?.p50DeltaMs, met: at16 ? at16.p50DeltaMs <= 1 : undefined },
      p99DeltaAt16Ms: { target: 3, measured: at16?.p99DeltaMs, met: at16 ? at16.p99DeltaMs <= 3 : undefined },
      errorsAt64: {
        target: 0,
        measured: at64 ? at64.errorsGuardrails : undefined,
        met: at64 ? at64.errorsGuardrails === 0 : undefined,
      },
    };
    let monitor: Record<string, unknown> | undefined;
    if (args.monitor) {
      for (const m of MODULES) await controllers[m.name].stop(); // writes the monitor files
      monitor = {};
      const listCalls = api.log.filter(l => !l.key.includes("peprstores")).map(l => l.at);
      for (const m of MODULES) {
        const data = JSON.parse(readFileSync(join(WORK_DIR, "monitor", `${m.name}.json`), "utf8")) as {
          stalls: { at: number; ms: number }[];
          gcs: { at: number; ms: number; kind: string }[];
        };
        const near = (at: number) => listCalls.some(t => at >= t - 5 && at <= t + 100);
        // Only the open-loop windows: in the closed loop the controller is saturated and every tick is late.
        const inOpen = (at: number) => openWindows[m.name].some(w => at >= w.from && at <= w.to);
        const openMs = openWindows[m.name].reduce((t, w) => t + w.to - w.from, 0);
        data.stalls = data.stalls.filter(s => inOpen(s.at));
        data.gcs = data.gcs.filter(g => inOpen(g.at));
        const big = data.stalls.filter(s => s.ms >= 5);
        const gcKinds: Record<string, { count: number; totalMs: number; maxMs: number }> = {};
        for (const g of data.gcs) {
          const k = (gcKinds[g.kind] ??= { count: 0, totalMs: 0, maxMs: 0 });
          k.count++;
          k.totalMs = round(k.totalMs + g.ms, 1);
          k.maxMs = Math.max(k.maxMs, g.ms);
        }
        monitor[m.name] = {
          window: `open loop at ${rate}/s, ${Math.round(openMs)} ms`,
          stallsOver5ms: big.length,
          stallMsTotal: round(
            big.reduce((t, s) => t + s.ms, 0),
            1,
          ),
          stallsOver5msWithinAnApiListCall: big.filter(s => near(s.at)).length,
          worstStalls: [...big]
            .sort((a, b) => b.ms - a.ms)
            .slice(0, 10)
            .map(s => ({ ...s, nearApiList: near(s.at) })),
          gc: gcKinds,
          apiListCalls: listCalls.length,
        };
      }
      log(`event loop and GC: ${JSON.stringify(monitor)}`);
    }
    let profile: Record<string, Record<string, number>> | undefined;
    if (args.profile) {
      for (const m of MODULES) await controllers[m.name].stop(); // writes the profiles
      profile = {};
      for (const m of MODULES) {
        const dir = join(profDir, m.name);
        const file = readdirSync(dir).find(f => f.endsWith(".cpuprofile"));
        if (file) profile[m.name] = perRequestByCategory(join(dir, file), served[m.name]);
      }
      log(`CPU µs per request: ${JSON.stringify(profile)}`);
    }
    // A profiled run is slower and shorter: kept apart from the reference results.
    const path = await writeResult(
      args.profile ? "admission-profile" : args.monitor ? "admission-monitor" : "admission",
      {
        benchmark: "admission",
        date: new Date().toISOString(),
        command: `npx tsx bench/admission/run.ts ${process.argv.slice(2).join(" ")}`.trim(),
        machine,
        load: { before: loadBefore, after: loadNow() },
        settings: {
          durationSec: durationMs / 1000,
          rounds,
          warmupSec: warmupMs / 1000,
          levels,
          logLevel: args["log-level"],
        },
        transport: "HTTPS (TLS 1.3, RSA-2048 self-signed), keep-alive, one connection per client, closed loop",
        mix: mix.map(t => t.label),
        verdicts,
        inProcessPolicyCostUs: inProcess,
        ...(profile && { cpuUsPerRequest: { served, ...profile } }),
        ...(monitor && { eventLoopAndGc: monitor }),
        apiServerCallsDuringMeasurement: apiCalls,
        results,
        comparison,
        openLoop: openLoop && {
          ...openLoop,
          p50DeltaMs: round(openLoop.guardrails.latencyMs.p50 - openLoop.noop.latencyMs.p50),
          p99DeltaMs: round(openLoop.guardrails.latencyMs.p99 - openLoop.noop.latencyMs.p99),
        },
        targets,
        apiServer,
      },
    );
    log(`wrote ${path}`);
    printTable(results, comparison);
  } finally {
    for (const m of MODULES) await controllers[m.name]?.stop();
    await api.close();
    if (args.profile) log(`CPU profiles in ${profDir}`);
  }
}

function printTable(results: Record<ModuleName, LevelResult[]>, comparison: { concurrency: number }[]): void {
  const rows = [["conc", "module", "p50 ms", "p99 ms", "max ms", "req/s", "errors"]];
  comparison.forEach((_, i) => {
    for (const m of MODULES) {
      const r = results[m.name][i];
      rows.push([
        String(r.concurrency),
        m.name,
        String(r.latencyMs.p50),
        String(r.latencyMs.p99),
        String(r.latencyMs.max),
        String(r.rps),
        String(r.errors),
      ]);
    }
  });
  const widths = rows[0].map((_, i) => Math.max(...rows.map(r => r[i].length)));
  process.stdout.write(rows.map(r => r.map((c, i) => c.padStart(widths[i])).join("  ")).join("\n") + "\n");
  process.stdout.write(JSON.stringify(comparison, null, 2) + "\n");
}

main().catch(err => {
  process.stderr.write(`bench:admission failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
