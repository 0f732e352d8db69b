import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { load1 } from "./machine";
import { REPO_ROOT } from "./results";
import { nowMs, round } from "./stats";

const GNU_TIME = "/usr/bin/time";

export interface TimedRun {
  seconds: number;
  /** The largest resident set of the command or any process it waited for (GNU time's %M). */
  maxRssMb: number;
  /** User + system CPU seconds of the command and its children (GNU time's %U + %S): less swayed by load. */
  cpuSeconds: number;
  code: number;
  load1Before: number;
  stdoutFile: string;
}

/**
 * Runs a command once under GNU time, its output into files under `dir` (read back afterwards, so a pipe's
 * speed is not part of the time), and returns its wall time, peak memory and exit code. An exit code outside
 * `okCodes` is an error naming the command and the end of its stderr.
 */
export function timedRun(
  argv: string[],
  opts: { cwd: string; dir: string; name: string; okCodes: number[] },
): TimedRun {
  if (!existsSync(GNU_TIME))
    throw new Error(`${GNU_TIME} is missing: it measures peak memory (apt-get install -y time)`);
  mkdirSync(opts.dir, { recursive: true });
  const base = join(opts.dir, opts.name);
  const out = openSync(`${base}.out`, "w");
  const err = openSync(`${base}.err`, "w");
  const before = load1();
  const t0 = nowMs();
  const r = spawnSync(GNU_TIME, ["-f", "%M %U %S", "-o", `${base}.time`, ...argv], {
    cwd: opts.cwd,
    stdio: ["ignore", out, err],
  });
  const seconds = (nowMs() - t0) / 1000;
  closeSync(out);
  closeSync(err);
  if (r.status === null || !opts.okCodes.includes(r.status)) {
    const tail = readFileSync(`${base}.err`, "utf8").slice(-800);
    throw new Error(`${argv.join(" ")} exited ${r.status ?? r.signal}: ${tail}`);
  }
  const [kb, user, sys] = readFileSync(`${base}.time`, "utf8").trim().split("\n").at(-1)!.split(" ").map(Number);
  return {
    seconds: round(seconds, 3),
    maxRssMb: Math.round(kb / 1024),
    cpuSeconds: round(user + sys, 2),
    code: r.status,
    load1Before: before,
    stdoutFile: `${base}.out`,
  };
}

/** The built CLI (dist/cli/bonsai.cjs), rebuilt first when a source changed since its build. */
export function ensureFreshBundle(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain Node module, as bin/bonsai.js loads it
  const { staleReason, BUNDLE_DIR } = require(join(REPO_ROOT, "bin", "bundle-state.cjs")) as {
    staleReason: () => string | undefined;
    BUNDLE_DIR: string;
  };
  if (staleReason()) {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, "scripts", "build-cli.cjs")], { stdio: "inherit" });
    if (r.status !== 0) throw new Error("building the CLI bundle (scripts/build-cli.cjs) failed");
  }
  return join(BUNDLE_DIR, "bonsai.cjs");
}
