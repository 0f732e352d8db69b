import { readFileSync } from "node:fs";

const TICKS = 100; // USER_HZ on Linux

/** One process's memory and CPU time so far, from /proc (Linux only). */
export interface ProcSample {
  rssMiB: number;
  /** peak RSS since the process started (VmHWM) */
  hwmMiB: number;
  /** user + system CPU time */
  cpuSeconds: number;
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
