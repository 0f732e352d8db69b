import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { REPO_ROOT } from "./results";
import { round } from "./stats";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface Hotspot {
  selfMs: number;
  selfPct: number;
  fn: string;
  where: string;
}

const where = (url: string, line: number) => {
  const path = url.replace(/^file:\/\//, "");
  return `${path.startsWith("/") ? relative(REPO_ROOT, path) : path || "(native)"}:${line + 1}`;
};

/** Self time by function from a `node --cpu-prof` profile, largest first. */
export function hotspots(profilePath: string, top = 25): { totalMs: number; idlePct: number; top: Hotspot[] } {
  const p = JSON.parse(readFileSync(profilePath, "utf8")) as CpuProfile;
  const byId = new Map(p.nodes.map(n => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const agg = new Map<string, { us: number; fn: string; where: string }>();
  let idle = 0;
  for (const [id, us] of self) {
    const cf = byId.get(id)!.callFrame;
    if (cf.functionName === "(idle)") idle += us;
    const key = `${cf.functionName}@${cf.url}:${cf.lineNumber}`;
    const e = agg.get(key) ?? { us: 0, fn: cf.functionName || "(anonymous)", where: where(cf.url, cf.lineNumber) };
    e.us += us;
    agg.set(key, e);
  }
  const busy = total - idle;
  return {
    totalMs: round(total / 1000, 1),
    idlePct: round((idle / total) * 100, 1),
    top: [...agg.values()]
      .filter(e => e.fn !== "(idle)")
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map(e => ({ selfMs: round(e.us / 1000, 1), selfPct: round((e.us / busy) * 100, 1), fn: e.fn, where: e.where })),
  };
}

/** Self time summed per file (busy time only), to see which package or module the time goes to. */
export function selfTimeByFile(profilePath: string, top = 15): { file: string; selfPct: number }[] {
  const p = JSON.parse(readFileSync(profilePath, "utf8")) as CpuProfile;
  const byId = new Map(p.nodes.map(n => [n.id, n]));
  const per = new Map<string, number>();
  let busy = 0;
  p.samples.forEach((id, i) => {
    const cf = byId.get(id)!.callFrame;
    if (cf.functionName === "(idle)") return;
    const us = p.timeDeltas[i] ?? 0;
    busy += us;
    const file = where(cf.url, 0).replace(/:1$/, "");
    per.set(file, (per.get(file) ?? 0) + us);
  });
  return [...per.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([file, us]) => ({ file, selfPct: round((us / busy) * 100, 1) }));
}

/** Coarse owner of a frame: our bundle, a package, Node itself, or the garbage collector. */
function category(url: string, fn: string): string {
  if (fn === "(garbage collector)") return "garbage collector";
  if (/\/build\/bench\/modules\//.test(url)) return "Bonsai module code (the bundle)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
  if (pkg === "ramda") return "ramda (Pepr's deep clone of each request)";
  if (pkg === "pepr") return "pepr";
  if (pkg) return "other packages (express, body-parser, pino, fast-json-patch, …)";
  return "Node.js (HTTP, TLS, streams) and native";
}

/** CPU microseconds per request by category, given how many requests the profiled process served. */
export function perRequestByCategory(profilePath: string, requests: number): Record<string, number> {
  const p = JSON.parse(readFileSync(profilePath, "utf8")) as CpuProfile;
  const byId = new Map(p.nodes.map(n => [n.id, n]));
  const out: Record<string, number> = {};
  let total = 0;
  p.samples.forEach((id, i) => {
    const cf = byId.get(id)!.callFrame;
    if (cf.functionName === "(idle)") return;
    const us = p.timeDeltas[i] ?? 0;
    const c = category(cf.url, cf.functionName);
    out[c] = (out[c] ?? 0) + us;
    total += us;
  });
  const result: Record<string, number> = { total: round(total / requests, 1) };
  for (const [k, v] of Object.entries(out).sort((a, b) => b[1] - a[1])) result[k] = round(v / requests, 1);
  return result;
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write("usage: npx tsx bench/lib/cpuprofile.ts <file.cpuprofile>\n");
    process.exit(2);
  }
  process.stdout.write(JSON.stringify({ ...hotspots(file), byFile: selfTimeByFile(file) }, null, 2) + "\n");
}
