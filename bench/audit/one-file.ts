import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, symlinkSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { compliantPod } from "../lib/objects";
import { load1 } from "../lib/machine";
import { REPO_ROOT } from "../lib/results";
import { nowMs, percentile, round } from "../lib/stats";
import { ensureFreshBundle } from "../lib/timed-run";

/**
 * A one-file `bonsai audit`, the call a developer or a pre-commit hook makes: wall time of `npx bonsai audit`,
 * of `node bin/bonsai.js` (the bin npx runs: checks the bundle is fresh, then loads it) and of the bundle run
 * directly, with two floors measured in the same rounds: `node -e 0` (Node's own start) and npx running a bin
 * that does nothing (npx's own cost, which no CLI can go under). Variants alternate within each round.
 */
export interface OneFileTiming {
  runs: number;
  p50Ms: number;
  p90Ms: number;
  minMs: number;
  maxMs: number;
  load1: number[];
}

/** A package whose only bin does nothing, for npx's floor: npx resolves it from node_modules/.bin as it does bonsai. */
function npxFloorPackage(dir: string): string {
  const root = join(dir, "npx-floor");
  if (existsSync(join(root, "node_modules", ".bin", "nothing"))) return root;
  mkdirSync(join(root, "node_modules", ".bin"), { recursive: true });
  writeFileSync(
    join(root, "package.json"),
    `${JSON.stringify({ name: "npx-floor", version: "1.0.0", private: true })}\n`,
  );
  writeFileSync(join(root, "nothing.js"), "#!/usr/bin/env node\n");
  chmodSync(join(root, "nothing.js"), 0o755);
  symlinkSync("../../nothing.js", join(root, "node_modules", ".bin", "nothing"));
  return root;
}

export function measureOneFile(dir: string, repeat: number): { file: string; variants: Record<string, OneFileTiming> } {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "one-pod.yaml");
  writeFileSync(file, stringify(compliantPod("one")));
  const bundle = ensureFreshBundle();
  const floor = npxFloorPackage(dir);
  const variants: Record<string, { cmd: string; argv: string[]; cwd: string }> = {
    "npx bonsai audit": { cmd: "npx", argv: ["--no-install", "bonsai", "audit", file], cwd: REPO_ROOT },
    "node bin/bonsai.js audit": {
      cmd: process.execPath,
      argv: [join(REPO_ROOT, "bin", "bonsai.js"), "audit", file],
      cwd: REPO_ROOT,
    },
    "node dist/cli/bonsai.cjs audit": { cmd: process.execPath, argv: [bundle, "audit", file], cwd: REPO_ROOT },
    "floor: node -e 0": { cmd: process.execPath, argv: ["-e", "0"], cwd: REPO_ROOT },
    "floor: npx of a bin that does nothing": { cmd: "npx", argv: ["--no-install", "nothing"], cwd: floor },
  };
  const samples = new Map<string, number[]>(Object.keys(variants).map(k => [k, []]));
  const loads: number[] = [];
  for (let i = -1; i < repeat; i++) {
    for (const [name, v] of Object.entries(variants)) {
      const t0 = nowMs();
      const r = spawnSync(v.cmd, v.argv, { cwd: v.cwd, stdio: ["ignore", "ignore", "pipe"] });
      const ms = nowMs() - t0;
      if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr?.toString().slice(0, 400)}`);
      if (i >= 0) samples.get(name)!.push(ms); // round -1 warms the page cache, not counted
    }
    if (i >= 0) loads.push(load1());
  }
  const out: Record<string, OneFileTiming> = {};
  for (const [name, s] of samples) {
    s.sort((a, b) => a - b);
    out[name] = {
      runs: s.length,
      p50Ms: round(percentile(s, 50), 1),
      p90Ms: round(percentile(s, 90), 1),
      minMs: round(s[0], 1),
      maxMs: round(s[s.length - 1], 1),
      load1: loads,
    };
  }
  return { file, variants: out };
}
