import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./results";
import { round } from "./stats";

/** What the numbers were measured on, recorded next to them. */
export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  go: string;
  kernel: string;
  pepr: string;
}

function tryExec(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unavailable";
  }
}

export function machineInfo(): MachineInfo {
  let pepr = "unknown";
  try {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "node_modules", "pepr", "package.json"), "utf8"));
    pepr = String(pkg.version);
  } catch {
    /* keep unknown */
  }
  return {
    nproc: Number(tryExec("nproc", [])) || cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    go: tryExec("go", ["env", "GOVERSION"]),
    kernel: tryExec("uname", ["-r"]),
    pepr,
  };
}

/** The 1-minute load average: the machine is shared, so every number carries the load it was taken under. */
export const load1 = (): number => round(loadavg()[0], 2);

/** Load averages (1, 5, 15 minutes) right now. */
export const loadNow = (): number[] => loadavg().map(v => round(v, 2));
