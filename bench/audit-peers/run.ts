/**
 * `bonsai audit` side by side with the policy CLIs, one run, the same 10,000 objects (bench/lib/objects.ts,
 * auditMix) in one multi-document file: Kyverno's CLI (`kyverno apply`, podSecurity restricted), kube-score,
 * kubeconform, and Bonsai both as `npx bonsai audit` and as the built entry point run directly. Rounds
 * alternate the tools' order; each run's wall time and peak memory (GNU time's maximum resident set) and the
 * load average before it are kept, and every tool's verdicts are read back and compared with Bonsai's.
 * CPU seconds (user + system, children included) are kept too: on a shared machine they move less than wall time.
 * Usage: npx tsx bench/audit-peers/run.ts [--objects 10000] [--rounds 5] [--skip kyverno,…]
 * Writes bench/results/audit-peers.json. Never part of `npm test`.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { cacheRoot } from "../../tools/cache";
import { load1, loadNow, machineInfo } from "../lib/machine";
import { log, REPO_ROOT, WORK_DIR, writeResult } from "../lib/results";
import { median, round } from "../lib/stats";
import { ensureFreshBundle, timedRun, TimedRun } from "../lib/timed-run";
import { KYVERNO_VERSION, ensureKyverno } from "../peers/kyverno/build";
import { KYVERNO_POLICY_FILE } from "../peers/kyverno/policy";
import { writeObjectsFile } from "./objects-file";
import { ensureKubeconform, ensureKubeconformSchemas, ensureKubeScore, KUBE_SCORE, KUBECONFORM } from "./tools";
import { bonsaiFlagged, compareFlagged, kubeconformFlagged, kubeScoreFlagged, kyvernoFlagged } from "./verdicts";

const { values: args } = parseArgs({
  options: {
    objects: { type: "string", default: "10000" },
    rounds: { type: "string", default: "5" },
    skip: { type: "string", default: "" },
  },
});

interface Tool {
  name: string;
  version: string;
  argv: string[];
  okCodes: number[];
}

/** The Kyverno CLI only when h19-admission's cached build is there: this benchmark never starts that build. */
function kyvernoCli(): string | undefined {
  if (!existsSync(join(cacheRoot(), `kyverno-${KYVERNO_VERSION}`, ".complete"))) return undefined;
  return ensureKyverno().cli;
}

function tools(file: string, skip: Set<string>): Tool[] {
  const version = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;
  const bonsai = ["audit", "--format", "json", file];
  const list: Tool[] = [
    { name: "bonsai-direct", version, argv: [process.execPath, ensureFreshBundle(), ...bonsai], okCodes: [0, 1] },
    { name: "bonsai-npx", version, argv: ["npx", "--no-install", "bonsai", ...bonsai], okCodes: [0, 1] },
  ];
  if (!skip.has("kube-score")) {
    const bin = ensureKubeScore();
    const argv = [bin, "score", "--output-format", "json", "--kubernetes-version", "v1.35", file];
    list.push({ name: "kube-score", version: KUBE_SCORE.version, argv, okCodes: [0, 1] });
  }
  if (!skip.has("kubeconform")) {
    const argv = [
      ensureKubeconform(),
      "-schema-location",
      ensureKubeconformSchemas(),
      "-summary",
      "-output",
      "json",
      file,
    ];
    list.push({ name: "kubeconform", version: KUBECONFORM.version, argv, okCodes: [0, 1] });
  }
  if (!skip.has("kyverno")) {
    const cli = kyvernoCli();
    if (cli)
      list.push({
        name: "kyverno",
        version: KYVERNO_VERSION,
        argv: [cli, "apply", KYVERNO_POLICY_FILE, "--resource", file],
        okCodes: [0, 1],
      });
    else log(`kyverno: skipped, its cached build (bench/peers/kyverno, ensureKyverno()) is not there yet`);
  }
  return list;
}

function verdicts(byTool: Map<string, TimedRun>, objects: number) {
  const bonsai = bonsaiFlagged(readFileSync(byTool.get("bonsai-direct")!.stdoutFile, "utf8"));
  const npx = bonsaiFlagged(readFileSync(byTool.get("bonsai-npx")!.stdoutFile, "utf8"));
  const out: Record<string, unknown> = {
    bonsai: { objectsJudged: bonsai.objects, flaggedAny: bonsai.any.size, flaggedPodSecurity: bonsai.pss.size },
    bonsaiNpxSameAsDirect: compareFlagged(bonsai.any, npx.any).same,
  };
  const ky = byTool.get("kyverno");
  if (ky) {
    const k = kyvernoFlagged(readFileSync(ky.stdoutFile, "utf8"));
    out.kyverno = {
      flagged: k.flagged.size,
      summary: k.summary,
      reportsFailures: k.flagged.size > 0,
      vsBonsaiPodSecurity: compareFlagged(bonsai.pss, k.flagged),
    };
  }
  const ks = byTool.get("kube-score");
  if (ks) {
    const k = kubeScoreFlagged(readFileSync(ks.stdoutFile, "utf8"));
    out.kubeScore = {
      flaggedAnyCritical: k.any.size,
      flaggedSecurityContext: k.security.size,
      criticalChecks: k.checks,
      anyVsBonsaiAny: compareFlagged(bonsai.any, k.any),
      securityContextVsBonsaiPodSecurity: compareFlagged(bonsai.pss, k.security),
    };
  }
  const kc = byTool.get("kubeconform");
  if (kc) {
    const k = kubeconformFlagged(readFileSync(kc.stdoutFile, "utf8"));
    out.kubeconform = { invalid: k.flagged.size, summary: k.summary, validatedAll: k.summary.valid === objects };
  }
  return out;
}

async function main(): Promise<void> {
  const count = Number(args.objects);
  const rounds = Number(args.rounds);
  const skip = new Set(args.skip.split(",").filter(Boolean));
  const dir = join(WORK_DIR, "audit-peers");
  const { file, bytes } = writeObjectsFile(dir, count);
  log(`${count} objects, ${(bytes / 1e6).toFixed(1)} MB of YAML: ${file}`);
  const list = tools(file, skip);
  const machine = machineInfo();
  const loadBefore = loadNow();
  const runs = new Map<string, TimedRun[]>(list.map(t => [t.name, []]));
  for (let round = 0; round < rounds; round++) {
    // Rotate the order each round so that no tool always runs first (cold caches) or last (a warm machine).
    const order = list.map((_, i) => list[(i + round) % list.length]);
    for (const tool of order) {
      const r = timedRun(tool.argv, { cwd: REPO_ROOT, dir, name: `${tool.name}-${round}`, okCodes: tool.okCodes });
      runs.get(tool.name)!.push(r);
      log(
        `round ${round + 1}: ${tool.name} ${r.seconds} s (${r.cpuSeconds} s CPU), ${r.maxRssMb} MB, load ${r.load1Before}`,
      );
    }
  }
  const results = list.map(t => {
    const rs = runs.get(t.name)!;
    const med = median(rs.map(r => r.seconds));
    const cpu = median(rs.map(r => r.cpuSeconds));
    return {
      tool: t.name,
      version: t.version,
      command: t.argv.map(a => a.replace(REPO_ROOT + "/", "")).join(" "),
      medianSeconds: round(med, 3),
      objectsPerSec: Math.round(count / med),
      medianCpuSeconds: cpu,
      objectsPerCpuSec: Math.round(count / cpu),
      peakRssMb: Math.max(...rs.map(r => r.maxRssMb)),
      runs: rs.map(r => ({
        seconds: r.seconds,
        cpuSeconds: r.cpuSeconds,
        maxRssMb: r.maxRssMb,
        exit: r.code,
        load1Before: r.load1Before,
      })),
    };
  });
  const last = new Map(list.map(t => [t.name, runs.get(t.name)!.at(-1)!]));
  const verdict = verdicts(last, count);
  const peers = results.filter(r => !r.tool.startsWith("bonsai"));
  const fastest = [...peers].sort((a, b) => b.objectsPerSec - a.objectsPerSec)[0];
  const fastestByCpu = [...peers].sort((a, b) => b.objectsPerCpuSec - a.objectsPerCpuSec)[0];
  const direct = results.find(r => r.tool === "bonsai-direct")!;
  const kyvernoSame = (verdict.kyverno as { vsBonsaiPodSecurity?: { same: boolean } } | undefined)?.vsBonsaiPodSecurity;
  const sameVerdicts = kyvernoSame?.same ? results.find(r => r.tool === "kyverno") : undefined;
  const viaNpx = results.find(r => r.tool === "bonsai-npx")!;
  const path = await writeResult("audit-peers", {
    benchmark: "audit-peers",
    date: new Date().toISOString(),
    command: `npx tsx bench/audit-peers/run.ts ${process.argv.slice(2).join(" ")}`.trim(),
    machine,
    load: { before: loadBefore, after: loadNow() },
    objects: count,
    yamlBytes: bytes,
    rounds,
    results,
    verdicts: verdict,
    target: fastest && {
      rule: "bonsai audit objects/s >= 3 x the fastest policy CLI with the same verdicts",
      // Only Kyverno answers the same question (PSS restricted per object); kube-score scores other rules and
      // kubeconform validates schemas only. Both readings are kept.
      sameVerdictPeer: sameVerdicts && {
        tool: "kyverno",
        objectsPerSec: sameVerdicts.objectsPerSec,
        bonsaiDirectRatio: round(direct.objectsPerSec / sameVerdicts.objectsPerSec, 2),
        bonsaiNpxRatio: round(viaNpx.objectsPerSec / sameVerdicts.objectsPerSec, 2),
        bonsaiDirectCpuRatio: round(direct.objectsPerCpuSec / sameVerdicts.objectsPerCpuSec, 2),
        met:
          direct.objectsPerSec >= 3 * sameVerdicts.objectsPerSec &&
          viaNpx.objectsPerSec >= 3 * sameVerdicts.objectsPerSec,
      },
      fastestPeerAnyVerdicts: {
        tool: fastest.tool,
        objectsPerSec: fastest.objectsPerSec,
        bonsaiDirectRatio: round(direct.objectsPerSec / fastest.objectsPerSec, 2),
        bonsaiNpxRatio: round(viaNpx.objectsPerSec / fastest.objectsPerSec, 2),
      },
      fastestPeerByCpu: {
        tool: fastestByCpu.tool,
        objectsPerCpuSec: fastestByCpu.objectsPerCpuSec,
        bonsaiDirectCpuRatio: round(direct.objectsPerCpuSec / fastestByCpu.objectsPerCpuSec, 2),
      },
    },
  });
  for (const r of results)
    log(`${r.tool.padEnd(14)} ${r.objectsPerSec} objects/s (${r.medianSeconds} s), ${r.peakRssMb} MB`);
  log(`verdicts: ${JSON.stringify(verdict)}`);
  log(`wrote ${path}; load now ${load1()}`);
}

main().catch(err => {
  process.stderr.write(`bench:audit-peers failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
