import { readdirSync, readFileSync } from "node:fs";

const TICKS = 100; // USER_HZ on Linux

/** One process's memory and CPU time so far, from /proc (Linux only). */
export interface ProcSample {
  rssMiB: number;
  /** peak RSS since the process started (VmHWM) */
  hwmMiB: number;
  /** user + system CPU time */
  cpuSeconds: number;
}

/** The process and its children (the workers of bench/lib/replicas.cjs), summed. */
export function procTreeSample(pid: number): ProcSample {
  const pids = [pid, ...childrenOf(pid)];
  const all = pids.map(procSample);
  return {
    rssMiB: all.reduce((t, s) => t + s.rssMiB, 0),
    hwmMiB: all.reduce((t, s) => t + s.hwmMiB, 0),
    cpuSeconds: all.reduce((t, s) => t + s.cpuSeconds, 0),
  };
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) out.push(Number(d));
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

export function procSample(pid: number): ProcSample {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0);
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command (which may contain spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return {
    rssMiB: kb("VmRSS") / 1024,
    hwmMiB: kb("VmHWM") / 1024,
    cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS,
  };
}
