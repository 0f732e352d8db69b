/**
 * Audit benchmark: objects per second of `bonsai audit`, in-process and end to end, at 1,000 and 10,000
 * generated objects, and over the whole repository; each with a baseline measured in the same run.
 * The CLI runs from its bundle (dist/cli/bonsai.cjs, rebuilt first when stale) through bin/bonsai.js, and a
 * one-file audit is timed as `npx bonsai audit`, through the bin and through the bundle, next to Node's and
 * npx's own start (one-file.ts).
 * Usage: npx tsx bench/audit/run.ts [--sizes 1000,10000] [--repeat 7] [--e2e-repeat 5] [--one-file-repeat 15] [--profile]
 * Writes bench/results/audit.json.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { buildReports } from "../../capabilities/reports/policy-report";
import { loadInputs, parseYaml } from "../../lib/render";
import { auditObjects } from "../../lib/audit/run-audit";
import { render } from "../../cli/format";
import { auditMix } from "../lib/objects";
import { load1, loadNow, machineInfo } from "../lib/machine";
import { log, REPO_ROOT, WORK_DIR, writeResult } from "../lib/results";
import { nowMs, percentile, round } from "../lib/stats";
import { ensureFreshBundle } from "../lib/timed-run";
import { measureOneFile } from "./one-file";

const { values: args } = parseArgs({
  options: {
    sizes: { type: "string", default: "1000,10000" },
    repeat: { type: "string", default: "7" },
    "e2e-repeat": { type: "string", default: "5" },
    "one-file-repeat": { type: "string", default: "15" },
    profile: { type: "boolean", default: false },
  },
});

interface Timing {
  runs: number;
  minMs: number;
  medianMs: number;
  p99Ms: number;
  maxMs: number;
  /** objects per second at the median time */
  objectsPerSec: number;
  load1: number[];
  /** Processes only: median user + system CPU of the command (GNU time), and objects per CPU second. */
  medianCpuMs?: number;
  objectsPerCpuSec?: number;
}

function timing(objects: number, samples: number[], loads: number[]): Timing {
  const s = [...samples].sort((a, b) => a - b);
  const med = percentile(s, 50);
  return {
    runs: s.length,
    minMs: round(s[0], 1),
    medianMs: round(med, 1),
    p99Ms: round(percentile(s, 99), 1),
    maxMs: round(s[s.length - 1], 1),
    objectsPerSec: Math.round(objects / (med / 1000)),
    load1: loads,
  };
}

function measure(objects: number, repeat: number, fn: () => void): Timing {
  fn(); // warm-up: JIT and caches, not counted
  const samples: number[] = [];
  const loads: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = nowMs();
    fn();
    samples.push(nowMs() - t0);
    loads.push(load1());
  }
  return timing(objects, samples, loads);
}

/**
 * Wall time and CPU time of a command, which must exit with one of `okCodes`. On a shared machine the CPU time
 * (GNU time's user + system, children included) moves much less with the load than the wall time.
 */
function measureProcess(objects: number, repeat: number, cmd: string, argv: string[], okCodes = [0, 1]): Timing {
  const timeFile = join(WORK_DIR, "audit", `cpu-${process.pid}.time`);
  const once = () => {
    const t0 = nowMs();
    const r = spawnSync("/usr/bin/time", ["-f", "%U %S", "-o", timeFile, cmd, ...argv], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "ignore", "pipe"],
      maxBuffer: 1 << 30,
    });
    const ms = nowMs() - t0;
    if (r.status === null || !okCodes.includes(r.status))
      throw new Error(`${cmd} ${argv.join(" ")} exited ${r.status}: ${r.stderr?.toString().slice(0, 500)}`);
    const [user, sys] = readFileSync(timeFile, "utf8").trim().split("\n").at(-1)!.split(" ").map(Number);
    return { ms, cpuMs: (user + sys) * 1000 };
  };
  once(); // warm-up: page cache (and tsx's transform cache when the bundle is not used)
  const samples: number[] = [];
  const cpu: number[] = [];
  const loads: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const { ms, cpuMs } = once();
    samples.push(ms);
    cpu.push(cpuMs);
    loads.push(load1());
  }
  const medianCpuMs = round(
    percentile(
      [...cpu].sort((a, b) => a - b),
      50,
    ),
    0,
  );
  return {
    ...timing(objects, samples, loads),
    medianCpuMs,
    objectsPerCpuSec: Math.round(objects / (medianCpuMs / 1000)),
  };
}

const BONSAI = join(REPO_ROOT, "bin", "bonsai.js");
/**
 * The baseline process: Node starts, reads the same file, parses it with the library the loader uses (js-yaml)
 * and writes JSON: everything the CLI must do anyway, without Bonsai.
 */
const PARSE_ONLY = `const {loadAll}=require("js-yaml");const t=require("fs").readFileSync(process.argv[1],"utf8");
process.stdout.write(JSON.stringify(loadAll(t),null,2));`;

async function main(): Promise<void> {
  const sizes = args.sizes.split(",").map(Number);
  const repeat = Number(args.repeat);
  const e2eRepeat = Number(args["e2e-repeat"]);
  const machine = machineInfo();
  const loadBefore = loadNow();
  const dir = join(WORK_DIR, "audit");
  mkdirSync(dir, { recursive: true });
  const nodeArgs = args.profile ? ["--cpu-prof", `--cpu-prof-dir=${join(WORK_DIR, "profiles")}`] : [];
  log(`machine: ${machine.nproc} cores, ${machine.cpuModel}; load ${loadBefore.join(" ")}`);
  const bundle = ensureFreshBundle(); // so that bin/bonsai.js runs the bundle, as after `npm ci`
  const oneFile = measureOneFile(dir, Number(args["one-file-repeat"]));
  for (const [name, t] of Object.entries(oneFile.variants))
    log(`one file: ${name} p50 ${t.p50Ms} ms (p90 ${t.p90Ms}, min ${t.minMs}, ${t.runs} runs)`);

  const generated = [];
  for (const n of sizes) {
    const objects = auditMix(n);
    const file = join(dir, `objects-${n}.yaml`);
    const text = objects.map(o => stringify(o)).join("---\n");
    writeFileSync(file, text);
    const parsed = parseYaml(text, file);
    const inputs = { objects: parsed.objects, foreign: parsed.foreign, files: 1 };
    const opts = { level: "restricted" as const, mutate: false };
    const results = auditObjects(inputs, opts);
    log(`${n} objects: ${(text.length / 1e6).toFixed(1)} MB of YAML, ${results.length} results`);

    const altParse = alternativeParser();
    const inProcess = {
      yamlParse: measure(n, repeat, () => parseYaml(text, file)),
      ...(altParse && {
        alternativeParser: { ...measure(n, repeat, () => altParse.parse(text)), parser: altParse.name },
      }),
      engine: measure(n, repeat, () => auditObjects(inputs, opts)),
      reportAndRender: measure(n, repeat, () => render(buildReports(auditObjects(inputs, opts), "bench"), "json")),
      parseEngineRender: measure(n, repeat, () => {
        const p = parseYaml(text, file);
        const r = auditObjects({ objects: p.objects, foreign: p.foreign, files: 1 }, opts);
        render(buildReports(r, "bench"), "json");
      }),
    };
    log(
      `${n}: in-process engine ${inProcess.engine.objectsPerSec}/s, parse ${inProcess.yamlParse.objectsPerSec}/s, ` +
        `parse+engine+render ${inProcess.parseEngineRender.objectsPerSec}/s`,
    );
    const endToEnd = {
      cli: measureProcess(n, e2eRepeat, process.execPath, [...nodeArgs, BONSAI, "audit", "--format", "json", file]),
      cliStartup: measureProcess(0, e2eRepeat, process.execPath, [BONSAI, "audit", "--help"], [0]),
      nodeParseBaseline: measureProcess(n, e2eRepeat, process.execPath, ["-e", PARSE_ONLY, file], [0]),
    };
    log(
      `${n}: CLI end to end ${endToEnd.cli.objectsPerSec}/s (${endToEnd.cli.medianMs} ms, ${endToEnd.cli.medianCpuMs} ms CPU; startup ${endToEnd.cliStartup.medianMs} ms; ` +
        `node+js-yaml baseline ${endToEnd.nodeParseBaseline.medianMs} ms)`,
    );
    generated.push({
      objects: n,
      yamlBytes: text.length,
      results: results.length,
      failing: results.filter(r => r.result === "fail").length,
      inProcess,
      endToEnd,
      ratios: {
        engineVsYamlParse: round(inProcess.engine.medianMs / inProcess.yamlParse.medianMs, 2),
        cliVsNodeParse: round(endToEnd.cli.medianMs / endToEnd.nodeParseBaseline.medianMs, 2),
      },
    });
  }

  // The whole repository, end to end, as a user runs it; broken down in-process (load = kustomize + parse).
  const repoPaths = ["apps", "clusters/local"].filter(p => existsSync(join(REPO_ROOT, p)));
  const loaded = loadInputs(repoPaths, REPO_ROOT);
  const repoObjects = loaded.objects.length;
  const repo = {
    paths: repoPaths,
    objects: repoObjects,
    foreign: loaded.foreign.length,
    inProcess: {
      loadKustomizeAndParse: measure(repoObjects, Math.min(repeat, 3), () => loadInputs(repoPaths, REPO_ROOT)),
      engine: measure(repoObjects, repeat, () => auditObjects(loaded, { level: "restricted", mutate: false })),
    },
    endToEnd: measureProcess(repoObjects, e2eRepeat, process.execPath, [
      BONSAI,
      "audit",
      "--format",
      "json",
      ...repoPaths,
    ]),
    kustomizeRoots: countKustomizeRoots(repoPaths),
  };
  log(
    `repository (${repoPaths.join(" ")}): ${repoObjects} objects, end to end ${repo.endToEnd.medianMs} ms; ` +
      `load ${repo.inProcess.loadKustomizeAndParse.medianMs} ms, engine ${repo.inProcess.engine.medianMs} ms`,
  );

  const tenK = generated.find(g => g.objects === 10000);
  const path = await writeResult("audit", {
    benchmark: "audit",
    date: new Date().toISOString(),
    command: `npx tsx bench/audit/run.ts ${process.argv.slice(2).join(" ")}`.trim(),
    machine,
    load: { before: loadBefore, after: loadNow() },
    settings: { repeat, e2eRepeat, profile: "restricted", mutate: false },
    entry: `bin/bonsai.js → ${bundle.replace(REPO_ROOT + "/", "")}`,
    oneFile,
    generated,
    repository: repo,
    targets: tenK && {
      objectsPerSecAt10k: {
        target: 5000,
        endToEnd: tenK.endToEnd.cli.objectsPerSec,
        endToEndPerCpuSecond: tenK.endToEnd.cli.objectsPerCpuSec,
        inProcessEngine: tenK.inProcess.engine.objectsPerSec,
        met: tenK.endToEnd.cli.objectsPerSec >= 5000,
      },
      oneFileNpxUnder500ms: {
        target: 500,
        npxP50Ms: oneFile.variants["npx bonsai audit"].p50Ms,
        met: oneFile.variants["npx bonsai audit"].p50Ms < 500,
      },
    },
  });
  log(`wrote ${path}`);
}

/**
 * The `yaml` package's parseAllDocuments, which the loader used before it switched to js-yaml (ea8249c):
 * kept as a reference, to show what the parser choice is worth.
 */
function alternativeParser(): { name: string; parse: (text: string) => unknown[] } | undefined {
  try {
    const req = createRequire(join(REPO_ROOT, "package.json"));
    const yaml = req("yaml") as {
      parseAllDocuments: (t: string, o: object) => { toJS: (o: object) => unknown }[];
    };
    const version = (req("yaml/package.json") as { version: string }).version;
    return {
      name: `yaml ${version} parseAllDocuments (the loader's parser before ea8249c)`,
      parse: t => yaml.parseAllDocuments(t, { uniqueKeys: false }).map(d => d.toJS({ maxAliasCount: 1000 })),
    };
  } catch {
    return undefined;
  }
}

function countKustomizeRoots(paths: string[]): number {
  try {
    const out = execFileSync("find", [...paths, "-name", "kustomization.yaml"], { cwd: REPO_ROOT, encoding: "utf8" });
    return out.split("\n").filter(Boolean).length;
  } catch {
    return 0;
  }
}

main().catch(err => {
  process.stderr.write(`bench:audit failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
