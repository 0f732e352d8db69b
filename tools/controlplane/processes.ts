import { ChildProcess, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

/** A process this harness started: it is stopped by its PID, never by name. */
export interface Started {
  name: string;
  pid: number;
  log: string;
  child?: ChildProcess;
  exited?: { code: number | null; signal: string | null };
}

export const PID_FILE = "pids.json";

/** A free TCP port on 127.0.0.1 (asked of the kernel, so a port in use is never picked). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether `pid` is still the process we started (its command line names our state directory). */
export function isOurs(pid: number, stateDir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(stateDir);
  } catch {
    return isAlive(pid);
  }
}

export function tail(file: string, lines = 25): string {
  if (!existsSync(file)) return "(no log)";
  return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

export function startProcess(
  name: string,
  command: string,
  args: string[],
  stateDir: string,
  opts: { env?: NodeJS.ProcessEnv; detach?: boolean; ipc?: boolean } = {},
): Started {
  const log = join(stateDir, `${name}.log`);
  const fd = openSync(log, "a");
  // Detached processes outlive the CLI that started them (`bonsai up`); tests keep them in their process group.
  const child = spawn(command, args, {
    // An IPC channel when the parent hands the child something (cluster-network.ts passes sockets over it).
    stdio: opts.ipc ? ["ignore", fd, fd, "ipc"] : ["ignore", fd, fd],
    env: { ...process.env, ...opts.env },
    detached: !!opts.detach,
  });
  closeSync(fd);
  if (!child.pid) throw new Error(`could not start ${name} (${command})`);
  const started: Started = { name, pid: child.pid, log, child };
  child.on("exit", (code, signal) => (started.exited = { code, signal }));
  // Our own processes must not keep the Node event loop (a test runner, the CLI) alive.
  child.unref();
  return started;
}

export function writePidFile(stateDir: string, procs: Started[]): void {
  writeFileSync(
    join(stateDir, PID_FILE),
    JSON.stringify(
      procs.map(p => ({ name: p.name, pid: p.pid, log: p.log })),
      null,
      2,
    ) + "\n",
  );
}

export function readPidFile(stateDir: string): { name: string; pid: number; log: string }[] {
  const file = join(stateDir, PID_FILE);
  if (!existsSync(file)) return [];
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return [];
  }
}

/** SIGTERM, then SIGKILL after `graceMs`, only to PIDs that are still ours; in reverse start order. */
export async function stopProcesses(
  procs: { name: string; pid: number }[],
  stateDir: string,
  graceMs = 5000,
): Promise<void> {
  for (const p of [...procs].reverse()) {
    if (!isAlive(p.pid) || !isOurs(p.pid, stateDir)) continue;
    try {
      process.kill(p.pid, "SIGTERM");
    } catch {
      continue;
    }
    const deadline = Date.now() + graceMs;
    while (isAlive(p.pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(p.pid)) {
      try {
        process.kill(p.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
  }
}

/**
 * Stops what a PID file in `stateDir` records (those still alive and ours), empties the file, and names what it
 * stopped: how `bonsai down` reaches processes a previous `bonsai up` left running.
 */
export async function stopRecordedProcesses(stateDir: string): Promise<string[]> {
  const procs = readPidFile(stateDir);
  const running = procs.filter(p => isAlive(p.pid) && isOurs(p.pid, stateDir));
  await stopProcesses(procs, stateDir);
  if (procs.length) writePidFile(stateDir, []);
  return running.map(p => `${p.name} (pid ${p.pid})`);
}

/** How a started process ended, with its log's tail; undefined while it runs (for waitFor's `dead`). */
export function exitReport(p: Started): string | undefined {
  return p.exited ? `${p.name} exited (${JSON.stringify(p.exited)}):\n${tail(p.log)}` : undefined;
}

/** The processes that died since they were started, each with its log's tail. */
export function deadProcesses(procs: Started[]): string[] {
  return procs.map(exitReport).filter((r): r is string => r !== undefined);
}

export const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** Polls `check` until it returns true; fails with `describe()` (e.g. a log tail) on timeout or when `dead()` says so. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; dead?: () => string | undefined; describe?: () => string },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const dead = opts.dead?.();
    if (dead) throw new Error(`${what}: ${dead}`);
    try {
      if (await check()) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not ready after ${opts.timeoutMs / 1000} s\n${opts.describe?.() ?? ""}`);
    await sleep(250);
  }
}
