/**
 * CPU used by each program's process group during a phase (utime+stime from /proc, every process of the group:
 * PostgreSQL's backends included), as cores busy on average. A single-threaded program near 1.0 is the bottleneck;
 * the sum near the machine's core count means the machine is.
 */
import { readdirSync, readFileSync } from "node:fs";

const TICKS = 100; // USER_HZ on Linux

interface Stat {
  ppid: number;
  pgrp: number;
  ticks: number;
}

function stats(): Map<number, Stat> {
  const out = new Map<number, Stat>();
  for (const d of readdirSync("/proc")) {
    if (!/^[0-9]+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      // Fields after the command (which may contain spaces) start after the last ')'.
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // utime + stime, plus cutime + cstime: a child that exits and is reaped (a PostgreSQL backend when its
      // client disconnects) moves its time into its parent's, so the sum stays continuous.
      const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
      out.set(Number(d), { ppid: Number(f[1]), pgrp: Number(f[2]), ticks });
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/**
 * The program's ticks: its process group and every descendant (PostgreSQL's backends call setsid(), so they
 * leave the postmaster's group but stay its children).
 */
function groupTicks(leader: number, descend: boolean, all = stats()): number {
  const members = new Set<number>();
  for (const [pid, s] of all) if (s.pgrp === leader) members.add(pid);
  for (let grew = descend; grew; ) {
    grew = false;
    for (const [pid, s] of all)
      if (!members.has(pid) && members.has(s.ppid)) {
        members.add(pid);
        grew = true;
      }
  }
  let total = 0;
  for (const pid of members) total += all.get(pid)!.ticks;
  return total;
}

function ownGroup(): number {
  const stat = readFileSync("/proc/self/stat", "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
}

export type Groups = Record<string, number>;

/** Runs `work` and returns its result with the cores each group used meanwhile (and this process, the load tool). */
export async function withCpu<T>(
  groups: Groups,
  work: () => Promise<T> | T,
): Promise<{ result: T; cores: Record<string, number> }> {
  // The load tools (autocannon in this process, pgbench spawned from it) share this process's group.
  const all = { ...groups, "load tool": ownGroup() };
  // The load tool's group is not descended into: the programs under test are its children too.
  const ticks = () => {
    const snapshot = stats();
    return Object.fromEntries(Object.entries(all).map(([k, pid]) => [k, groupTicks(pid, k !== "load tool", snapshot)]));
  };
  const before = ticks();
  const t0 = performance.now();
  const result = await work();
  const seconds = (performance.now() - t0) / 1000;
  const after = ticks();
  const cores = Object.fromEntries(
    Object.keys(all).map(k => [k, Math.round(((after[k] - before[k]) / TICKS / seconds) * 100) / 100]),
  );
  return { result, cores };
}
