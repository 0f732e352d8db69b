/**
 * Real programs as local processes, for repository tests and `bonsai smoke` checks.
 *
 *   const proc = spawnReal({ name: "postgres", command, args, env, stateDir, unprivileged: true });
 *   await proc.waitReady("postgres accepts connections", () => canConnect(port), 30_000);
 *   ...
 *   await proc.stop();                       // SIGTERM (or `stopSignal`) to the leader, SIGKILL to the group
 *
 * Every process is started in its own process group (setsid), so `stop()` also ends whatever it forked;
 * it is stopped by its PID, never by name. Output goes to `<stateDir>/<name>.log`; `describe()` returns its
 * tail for failure messages. `unprivileged: true` drops to the harness's system user when the test runs as
 * root (PostgreSQL and PgBouncer refuse root; the images run them as non-root users too).
 * `stopAll()` stops every process this module started that is still running (an afterAll safety net).
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, chownSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sleep, tail, waitFor } from "../../../tools/controlplane/processes";

export { freePort } from "../../../tools/controlplane/processes";

/** The system user real programs run as when the test runs as root. */
export const HARNESS_USER = "bonsai-run";

export interface RealProcess {
  name: string;
  pid: number;
  log: string;
  /** Set once the leader has exited. */
  exited?: { code: number | null; signal: string | null };
  /** The last lines of the log, for an error message. */
  describe(lines?: number): string;
  /** Polls `check` until true; fails early with the log if the process exits, or after `timeoutMs`. */
  waitReady(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void>;
  /** Ends the process group: `stopSignal` to the leader, then SIGKILL to the group after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /**
   * Starts the program again after stop(), with the same command, environment and state directory (same
   * config, same port, same data): an outage and recovery for a failure test. Wait with waitReady again.
   */
  restart(): void;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  /** The complete environment (nothing is inherited but PATH, unless given). */
  env?: Record<string, string>;
  stateDir: string;
  cwd?: string;
  unprivileged?: boolean;
  /** The user to drop to when root (default: the harness's own system user). */
  userName?: string;
  /** The signal that shuts the program down cleanly (PostgreSQL: SIGINT is its fast shutdown). */
  stopSignal?: NodeJS.Signals;
}

const running = new Set<RealProcess>();

export interface RunAs {
  uid: number;
  gid: number;
}

const users = new Map<string, RunAs>();

const idOf = (flag: "-u" | "-g", name: string) => spawnSync("id", [flag, name], { encoding: "utf8" });

/**
 * The uid/gid to run as: undefined when not root (we are unprivileged already). `name` defaults to the
 * harness's own system user, created on first use; another name (Debian's `postgres`) must exist.
 */
export function harnessUser(name: string = HARNESS_USER): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const known = users.get(name);
  if (known) return known;
  if (idOf("-u", name).status !== 0) {
    if (name !== HARNESS_USER) throw new Error(`user ${name} does not exist: run scripts/ensure-system-packages.sh`);
    const add = spawnSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name], {
      encoding: "utf8",
    });
    // Another test file may have created it at the same moment; only a still-missing user is an error.
    if (add.status !== 0 && idOf("-u", name).status !== 0)
      throw new Error(`could not create the system user ${name} for real programs: ${add.stderr.trim()}`);
  }
  const user = { uid: Number(idOf("-u", name).stdout.trim()), gid: Number(idOf("-g", name).stdout.trim()) };
  users.set(name, user);
  return user;
}

/** A fresh state directory the program's user owns (mode 0700 as PostgreSQL demands of its data). */
export function makeStateDir(prefix: string, userName?: string): string {
  const dir = mkdtempSync(join(tmpdir(), `bonsai-${prefix}-`));
  const user = harnessUser(userName);
  if (user) chownSync(dir, user.uid, user.gid);
  return dir;
}

/** Gives a path (created by the test as root) to the harness user. */
export function giveToHarnessUser(path: string, userName?: string): void {
  const user = harnessUser(userName);
  if (user) chownSync(path, user.uid, user.gid);
}

export function removeStateDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Starts a program in a fresh state directory (makeStateDir): when `start` throws, the directory is removed
 * before the error goes on, so a harness that fails to start leaves nothing behind; once started, the program's
 * stop() removes it (stopAndRemove).
 */
export async function withStateDir<T>(
  prefix: string,
  start: (state: string) => Promise<T>,
  userName?: string,
): Promise<T> {
  const state = makeStateDir(prefix, userName);
  try {
    return await start(state);
  } catch (err) {
    removeStateDir(state);
    throw err;
  }
}

/** A started program's stop(): the process group, then its state directory. */
export const stopAndRemove = (proc: RealProcess, state: string) => async () => {
  await proc.stop();
  removeStateDir(state);
};

const groupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

const signalGroup = (pgid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* already gone */
  }
};

export function spawnReal(opts: SpawnOptions): RealProcess {
  const log = join(opts.stateDir, `${opts.name}.log`);
  const user = opts.unprivileged ? harnessUser(opts.userName) : undefined;
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", ...opts.env };
  // setpriv execs the program, so the PID we hold is the program's own and its process group's id.
  const [command, args] = user
    ? ["setpriv", [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", opts.command, ...opts.args]]
    : [opts.command, opts.args];
  const launch = (): number => {
    const fd = openSync(log, "a");
    giveToHarnessUser(log, opts.userName);
    const child = spawn(command, args, { stdio: ["ignore", fd, fd], env, cwd: opts.cwd, detached: true });
    closeSync(fd);
    if (!child.pid) throw new Error(`could not start ${opts.name} (${opts.command})`);
    child.unref();
    child.on("exit", (code, signal) => {
      if (proc.pid === child.pid) proc.exited = { code, signal };
    });
    return child.pid;
  };
  const proc: RealProcess = {
    name: opts.name,
    pid: 0,
    log,
    describe: (lines = 30) => `--- ${opts.name} log (${log}) ---\n${tail(log, lines)}`,
    waitReady: (what, check, timeoutMs) =>
      waitFor(what, check, {
        timeoutMs,
        dead: () =>
          proc.exited ? `${opts.name} exited (${JSON.stringify(proc.exited)})\n${proc.describe()}` : undefined,
        describe: () => proc.describe(),
      }),
    stop: async (graceMs = 10_000) => {
      const pid = proc.pid;
      running.delete(proc);
      if (!proc.exited) signalGroup(pid, opts.stopSignal ?? "SIGTERM");
      const deadline = Date.now() + graceMs;
      while (!proc.exited && Date.now() < deadline) await sleep(50);
      // Whatever the program forked and left behind goes with the group.
      if (groupAlive(pid)) signalGroup(pid, "SIGKILL");
      const gone = Date.now() + 5000;
      while (groupAlive(pid) && Date.now() < gone) await sleep(50);
    },
    restart: () => {
      if (running.has(proc)) throw new Error(`${opts.name} is running (pid ${proc.pid}): stop() it first`);
      proc.exited = undefined;
      proc.pid = launch();
      running.add(proc);
    },
  };
  proc.pid = launch();
  running.add(proc);
  return proc;
}

/** Stops every process started here that is still running, newest first. */
export async function stopAll(): Promise<void> {
  for (const p of [...running].reverse()) await p.stop();
}

/** Runs a short command to completion (initdb, a client): its output in the error when it fails. */
export function runToCompletion(
  what: string,
  command: string,
  args: string[],
  opts: {
    env?: Record<string, string>;
    unprivileged?: boolean;
    userName?: string;
    timeoutMs: number;
    input?: string;
    cwd?: string;
  },
): string {
  const user = opts.unprivileged ? harnessUser(opts.userName) : undefined;
  const [cmd, argv] = user
    ? ["setpriv", [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups", command, ...args]]
    : [command, args];
  const r = spawnSync(cmd, argv, {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...opts.env },
    timeout: opts.timeoutMs,
    input: opts.input,
    cwd: opts.cwd,
    killSignal: "SIGKILL",
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : `exit ${r.status}${r.signal ? ` (${r.signal})` : ""}`;
    throw new Error(`${what} failed: ${why}\n${(r.stdout ?? "").trim()}\n${(r.stderr ?? "").trim()}`.trim());
  }
  return r.stdout;
}
