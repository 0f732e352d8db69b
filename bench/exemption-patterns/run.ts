/**
 * Exemption name patterns: the backtracking pattern `([a-z0-9]+-?)*-canary` over names of growing
 * length, matched by JavaScript's RegExp (the old engine, the baseline) and by the RE2 matcher the module
 * uses now, in one run. RegExp stops at --regexp-max characters: each two more characters quadruple it.
 * Usage: npx tsx bench/exemption-patterns/run.ts [--regexp-max 26] [--repeat 9]
 * Writes bench/results/exemption-patterns.json.
 */
import { parseArgs } from "node:util";
import { compileNamePattern } from "../../capabilities/engine/name-pattern";
import { machineInfo } from "../lib/machine";
import { log, writeResult } from "../lib/results";
import { median, nowMs, round } from "../lib/stats";

const { values: args } = parseArgs({
  options: { "regexp-max": { type: "string", default: "26" }, repeat: { type: "string", default: "9" } },
});
const REGEXP_MAX = Number(args["regexp-max"]);
const REPEAT = Number(args.repeat);
const PATTERN = "([a-z0-9]+-?)*-canary";

function time(test: (name: string) => boolean, name: string): number {
  const samples: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const t0 = nowMs();
    if (test(name)) throw new Error(`${name} must not match ${PATTERN}`);
    samples.push(nowMs() - t0);
  }
  return round(median(samples), 4);
}

async function main(): Promise<void> {
  const re2 = compileNamePattern(PATTERN).pattern!;
  const backtracking = new RegExp(`^(?:${PATTERN})$`);
  const rows: { length: number; regexpMs?: number; re2Ms: number; re2ColdMs: number; ratio?: number }[] = [];
  for (const length of [16, 18, 20, 22, 24, 26, 28, 30, 34, 64, 128, 253]) {
    const name = "a".repeat(length);
    const re2Ms = time(n => re2.test(n), name);
    // Cold: a freshly compiled pattern, as after an Exemption list refresh (compile + first match).
    const re2ColdMs = time(n => compileNamePattern(PATTERN).pattern!.test(n), name);
    const regexpMs = length <= REGEXP_MAX ? time(n => backtracking.test(n), name) : undefined;
    const ratio = regexpMs === undefined ? undefined : round(regexpMs / re2Ms, 1);
    rows.push({ length, regexpMs, re2Ms, re2ColdMs, ratio });
    log(
      `${length} chars: RE2 ${re2Ms} ms (cold ${re2ColdMs} ms)` +
        (regexpMs === undefined ? "" : `, RegExp ${regexpMs} ms (x${ratio})`),
    );
  }
  const path = await writeResult("exemption-patterns", {
    pattern: PATTERN,
    repeat: REPEAT,
    note: "median ms per match of a non-matching name of N 'a's; re2ColdMs includes compiling; RegExp rows stop at --regexp-max",
    machine: machineInfo(),
    rows,
  });
  log(`wrote ${path}`);
}

void main();
