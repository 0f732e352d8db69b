/**
 * Admission side by side on ONE embedded kube-apiserver: (a) the built-in PodSecurity plugin at restricted, no
 * webhook; (b) the same checks as a ValidatingAdmissionPolicy (CEL); (c) Kyverno 1.19.1's admission controller
 * out of cluster with a podSecurity restricted ClusterPolicy; (d) the Bonsai module as bench/admission runs it.
 * The same dry-run creates (compliant and violating Pods and Deployments) at each concurrency level, the peers
 * alternating round by round; every answer's verdict is checked, and a wrong one fails the run.
 * Usage: npx tsx bench/admission-peers/run.ts [--duration 5] [--rounds 3] [--levels 1,16,64] [--warmup 2]
 * [--no-build]. Writes bench/results/admission-peers.json; see BENCHMARKS.md ("Admission side by side").
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freePort } from "../../tools/controlplane/processes";
import { platformClusterState } from "../lib/cluster-state";
import { perRequestByCategory } from "../lib/cpuprofile";
import { startFakeApiServer } from "../lib/fake-apiserver";
import { runLoad } from "../lib/load";
import { load1, loadNow, machineInfo } from "../lib/machine";
import { buildPeprModule, RunningController, startController } from "../lib/pepr-module";
import { procSample, procTreeSample } from "../lib/proc-sample";
import { log, WORK_DIR, writeResult } from "../lib/results";
import { selfSignedTls } from "../lib/tls";
import { ensureKyverno, KYVERNO_VERSION } from "../peers/kyverno/build";
import { kyvernoPolicy } from "../peers/kyverno/controller";
import { startPeerCluster } from "./cluster";
import { compare, printTable, Run, summarizePeer } from "./report";
import { judgeFor, PEER_TITLES, PEERS, Peer, requestFor, SHAPES } from "./shapes";

const { values: args } = parseArgs({
  options: {
    duration: { type: "string", default: "5" },
    rounds: { type: "string", default: "3" },
    levels: { type: "string", default: "1,16,64" },
    warmup: { type: "string", default: "2" },
    "no-build": { type: "boolean", default: false },
    /** which peers to time besides (a), e.g. `bonsai` while profiling; all by default */
    peers: { type: "string", default: PEERS.join(",") },
    /** `node --cpu-prof` of the Bonsai controller → build/bench/profiles/admission-peers/ */
    profile: { type: "boolean", default: false },
    /** the Bonsai controller's LOG_LEVEL; Pepr's admission Deployment runs at info */
    "log-level": { type: "string", default: "info" },
    /** Bonsai controller processes sharing the webhook port (Pepr's admission Deployment runs 2 replicas) */
    "bonsai-replicas": { type: "string", default: "1" },
  },
});
const PROFILE_DIR = join(WORK_DIR, "profiles", "admission-peers");

async function startBonsai(): Promise<{ controller: RunningController; ca: Buffer; close(): Promise<void> }> {
  const out = join(WORK_DIR, "modules", "guardrails");
  const bundle = join(out, "pepr-bonsai-guardrails.js");
  const built = args["no-build"] && existsSync(bundle) ? bundle : buildPeprModule("pepr.ts", out);
  const tls = selfSignedTls(join(WORK_DIR, "tls"));
  // As in bench/admission: the module's own API calls (store, LimitRanges, Exemptions) go to an in-memory API
  // server holding the platform's state, so "backend" is an app namespace with every policy on.
  const fake = await startFakeApiServer(join(WORK_DIR, "kubeconfig"), platformClusterState());
  const controller = await startController({
    name: "guardrails",
    bundle: built,
    port: await freePort(),
    tls,
    kubeconfig: fake.kubeconfig,
    logFile: join(WORK_DIR, "logs", "admission-peers-guardrails.log"),
    cpuProfDir: args.profile ? PROFILE_DIR : undefined,
    logLevel: args["log-level"],
    replicas: Number(args["bonsai-replicas"]),
  });
  let closed = false;
  return {
    controller,
    ca: readFileSync(tls.cert),
    close: async () => {
      if (closed) return;
      closed = true;
      await controller.stop();
      await fake.close();
    },
  };
}

async function main(): Promise<void> {
  const durationMs = Number(args.duration) * 1000;
  const rounds = Number(args.rounds);
  const warmupMs = Number(args.warmup) * 1000;
  const levels = args.levels.split(",").map(Number);
  const timed = PEERS.filter(p => p === "pss" || args.peers.split(",").includes(p));
  const machine = machineInfo();
  ensureKyverno(m => log(m)); // before the load reading: a first run builds it
  const loadBefore = loadNow();
  log(`machine: ${machine.nproc} cores, ${machine.cpuModel}; load ${loadBefore.join(" ")}`);
  if (args.profile) rmSync(PROFILE_DIR, { recursive: true, force: true });
  const bonsai = await startBonsai();
  const stateDir = join(WORK_DIR, "admission-peers");
  rmSync(stateDir, { recursive: true, force: true }); // a fresh cluster every run
  mkdirSync(stateDir, { recursive: true });
  let cluster: Awaited<ReturnType<typeof startPeerCluster>> | undefined;
  try {
    cluster = await startPeerCluster({ stateDir, bonsai: bonsai.controller, bonsaiCa: bonsai.ca });
    const c = cluster;
    const peerPid: Record<Peer, number | undefined> = {
      pss: undefined,
      vap: undefined,
      kyverno: c.kyverno.process.pid,
      bonsai: bonsai.controller.child.pid,
    };
    const runs: Run[] = [];
    const sentTo: Record<Peer, number> = { pss: 0, vap: 0, kyverno: 0, bonsai: 0 };
    let seq = 0;
    for (const concurrency of levels) {
      const agent = c.agentFor(concurrency);
      for (let r = 0; r < rounds; r++) {
        // Alternate, reversing the order every round, so drift in the machine's load hits every peer alike.
        const order = r % 2 === 0 ? [...timed] : [...timed].reverse();
        for (const peer of order) {
          await c.setPhase(peer);
          const load = (ms: number) =>
            runLoad({
              port: c.port,
              ca: Buffer.alloc(0),
              agent,
              judge: judgeFor(peer),
              concurrency,
              durationMs: ms,
              timeoutMs: 15_000,
              next: () => {
                sentTo[peer]++;
                return requestFor(seq++);
              },
            });
          if (r === 0) await load(warmupMs);
          const pid = peerPid[peer];
          const before = { api: procSample(c.apiserverPid), peer: pid ? procTreeSample(pid) : undefined };
          const res = await load(durationMs);
          const after = { api: procSample(c.apiserverPid), peer: pid ? procTreeSample(pid) : undefined };
          runs.push({
            peer,
            concurrency,
            round: r,
            samples: res.samples,
            elapsedMs: res.elapsedMs,
            load1: load1(),
            apiserverCpuSeconds: after.api.cpuSeconds - before.api.cpuSeconds,
            peerCpuSeconds: after.peer && before.peer ? after.peer.cpuSeconds - before.peer.cpuSeconds : undefined,
          });
        }
      }
      agent.destroy();
      const line = timed
        .map(p => {
          const s = summarizePeer(runs.filter(x => x.peer === p && x.concurrency === concurrency));
          return `${p} p50 ${s.latencyMs.p50} p99 ${s.latencyMs.p99} err ${s.errors}`;
        })
        .join(" | ");
      log(`c=${concurrency}: ${line}`);
    }
    const memory = Object.fromEntries(
      (["kyverno", "bonsai"] as const).map(p => {
        const s = procTreeSample(peerPid[p]!);
        return [p, { rssMiB: Math.round(s.rssMiB), peakRssMiB: Math.round(s.hwmMiB) }];
      }),
    );
    const api = procSample(c.apiserverPid);
    const comparison = compare(runs, levels);
    const wrong = comparison.flatMap(l =>
      timed
        .filter(p => (l.peers[p]?.errors ?? 0) > 0)
        .map(p => `c=${l.concurrency} ${p}: ${JSON.stringify(l.peers[p]?.errorKinds)}`),
    );
    const at = (n: number) => comparison.find(l => l.concurrency === n);
    const target = (n: number) => {
      const l = at(n);
      if (!l?.peers.bonsai || !l.peers.kyverno) return undefined;
      const b = l.peers.bonsai.addedP99Ms;
      const k = l.peers.kyverno.addedP99Ms;
      return { bonsaiAddedP99Ms: b, kyvernoAddedP99Ms: k, met: b <= k };
    };
    let profile: Record<string, number> | undefined;
    if (args.profile) {
      // The API server keeps connections to the controller open, and Pepr's SIGTERM handler waits for them
      // to close before it exits and the profile is written: stop the API server first.
      await cluster.stop();
      cluster = undefined;
      await bonsai.close(); // writes the profile
      const file = readdirSync(PROFILE_DIR).find(f => f.endsWith(".cpuprofile"));
      if (file) profile = perRequestByCategory(join(PROFILE_DIR, file), sentTo.bonsai);
      log(`Bonsai controller CPU µs per create, whole run (${sentTo.bonsai} creates): ${JSON.stringify(profile)}`);
    }
    // A profiled or partial run is kept apart from the reference results.
    const partial =
      args.profile ||
      timed.length < PEERS.length ||
      args["log-level"] !== "info" ||
      args.levels !== "1,16,64" ||
      args["bonsai-replicas"] !== "1";
    const name = partial ? "admission-peers-partial" : "admission-peers";
    const path = await writeResult(name, {
      benchmark: "admission-peers",
      date: new Date().toISOString(),
      command: `npx tsx bench/admission-peers/run.ts ${process.argv.slice(2).join(" ")}`.trim(),
      machine,
      load: { before: loadBefore, after: loadNow() },
      settings: {
        seconds: { run: durationMs / 1000, warmup: warmupMs / 1000 },
        rounds,
        levels,
        bonsaiLogLevel: args["log-level"],
      },
      server: "embedded kube-apiserver v1.35.4 (tools/controlplane), loopback, dryRun=All creates, closed loop",
      peers: PEER_TITLES,
      kyverno: { version: KYVERNO_VERSION, policy: kyvernoPolicy() },
      shapes: SHAPES.map(s => s.label),
      memory: { ...memory, "kube-apiserver": { rssMiB: Math.round(api.rssMiB), peakRssMiB: Math.round(api.hwmMiB) } },
      comparison,
      targets: { addedP99At16: target(16), addedP99At64: target(64) },
      wrongVerdicts: wrong,
      ...(profile && { bonsaiCpuUsPerCreate: profile }),
    });
    log(`wrote ${path}`);
    printTable(comparison, memory);
    if (wrong.length) {
      process.stderr.write(
        `bench:admission-peers: WRONG VERDICTS OR ERRORS — this run does not count:\n${wrong.join("\n")}\n`,
      );
      process.exitCode = 1;
    }
  } finally {
    await cluster?.stop();
    await bonsai.close();
  }
}

main().catch(err => {
  process.stderr.write(`bench:admission-peers failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
