import { ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ControlPlane } from "./controlplane";
import { isAlive, sleep, tail, waitFor } from "./processes";
import { respondsOk } from "./probe";

/** Pepr 1.1.4's controller always listens on 3000, and `pepr dev` points the webhooks there. */
export const PEPR_DEV_PORT = 3000;
const REPO = join(__dirname, "..", "..");

/**
 * The API server could not reach the module (not a verdict): `pepr dev` restarts its controller when a source
 * file changes, and for a moment its port answers 404 or nothing. Such an apply is retried; a denial is not.
 */
export function webhookUnreachable(stderr: string): boolean {
  return /failed calling webhook/.test(stderr) && !/denied the request/.test(stderr);
}

/**
 * Port 3000 is one per machine, and several test runs may share the machine: whoever starts `pepr dev` through
 * Bonsai takes this lock file (holding the PID that owns the port) first, and the others wait their turn
 * instead of racing for the port. A lock whose PID is gone is stale and taken over.
 */
export const PORT_LOCK = join(tmpdir(), `bonsai-pepr-dev-${PEPR_DEV_PORT}.lock`);

function lockHolder(): number | undefined {
  try {
    const pid = Number(readFileSync(PORT_LOCK, "utf8").trim());
    if (pid > 0) return pid;
    // Created but not written yet; an empty lock older than 10 s was abandoned.
    return Date.now() - statSync(PORT_LOCK).mtimeMs < 10_000 ? -1 : undefined;
  } catch {
    return undefined;
  }
}

async function acquirePortLock(timeoutMs: number, progress?: (m: string) => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      writeFileSync(PORT_LOCK, String(process.pid), { flag: "wx" });
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    const holder = lockHolder();
    if (holder === undefined || (holder > 0 && !isAlive(holder))) {
      rmSync(PORT_LOCK, { force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(
        `port ${PEPR_DEV_PORT} is still held by process ${holder} (a "pepr dev" started by Bonsai; lock ${PORT_LOCK}) after ${timeoutMs / 1000} s. Stop that run (e.g. "bonsai down") and retry`,
      );
    if (!told) progress?.(`waiting for port ${PEPR_DEV_PORT}: process ${holder} runs another pepr dev there`);
    told = true;
    await sleep(1000);
  }
}

function releasePortLock(pids: (number | undefined)[]): void {
  const holder = lockHolder();
  if (holder !== undefined && pids.includes(holder)) rmSync(PORT_LOCK, { force: true });
}

function portInUse(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

// pepr dev serves a self-signed certificate; only the status is read.
const healthz = () => respondsOk(`https://localhost:${PEPR_DEV_PORT}/healthz`, { rejectUnauthorized: false });

/**
 * The module running against a control plane exactly as `npx pepr dev --host localhost` runs it: built
 * from this checkout, webhooks registered by URL on localhost:3000 (never a Service: cluster IPs are not
 * reachable here), admission and watches in one local process.
 */
export class PeprDev {
  private exited?: { code: number | null; signal: string | null };

  private constructor(
    private readonly child: ChildProcess,
    readonly log: string,
  ) {
    child.on("exit", (code, signal) => (this.exited = { code, signal }));
  }

  static async start(
    cp: ControlPlane,
    opts: {
      timeoutMs?: number;
      lockTimeoutMs?: number;
      progress?: (m: string) => void;
      env?: NodeJS.ProcessEnv;
    } = {},
  ): Promise<PeprDev> {
    await acquirePortLock(opts.lockTimeoutMs ?? 10 * 60_000, opts.progress);
    if (await portInUse(PEPR_DEV_PORT)) {
      releasePortLock([process.pid]);
      throw new Error(
        `port ${PEPR_DEV_PORT} on 127.0.0.1 is in use; Pepr 1.1.4's controller always listens there. Stop what holds it (another "pepr dev" or "bonsai up"?) and retry`,
      );
    }
    opts.progress?.("building the Pepr module and starting it like `npx pepr dev --host localhost`");
    const log = join(cp.stateDir, "pepr-dev.log");
    const fd = openSync(log, "a");
    // Its own process group: `pepr dev` forks the controller, and stop() must take both down by PID.
    const child = spawn(
      process.execPath,
      [join(REPO, "node_modules", "pepr", "dist", "cli.js"), "dev", "--host", "localhost", "--yes"],
      {
        cwd: REPO,
        env: {
          ...process.env,
          ...opts.env,
          KUBECONFIG: cp.kubeconfig,
          // Its own knob: Jest silences the test process's Pepr logger with LOG_LEVEL (test/setup/quiet-logs.cjs).
          LOG_LEVEL: process.env.BONSAI_MODULE_LOG_LEVEL ?? "info",
          PEPR_PRETTY_LOGS: "false",
        },
        stdio: ["ignore", fd, fd],
        detached: true,
      },
    );
    closeSync(fd);
    child.unref();
    // The lock now names the process that holds the port for as long as it runs (it outlives `bonsai up`).
    if (child.pid) writeFileSync(PORT_LOCK, String(child.pid));
    const dev = new PeprDev(child, log);
    try {
      await waitFor(
        "pepr dev",
        async () =>
          (await healthz()) &&
          cp.kubectl(["get", "validatingwebhookconfiguration", "pepr-bonsai-guardrails"]).code === 0 &&
          cp.kubectl(["get", "mutatingwebhookconfiguration", "pepr-bonsai-guardrails"]).code === 0,
        {
          timeoutMs: opts.timeoutMs ?? 180_000,
          dead: () => (dev.exited ? `pepr dev exited (${JSON.stringify(dev.exited)}):\n${tail(log, 40)}` : undefined),
          describe: () => tail(log, 40),
        },
      );
    } catch (err) {
      await dev.stop();
      throw err;
    }
    return dev;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Stops a `pepr dev` a previous process started (its process group), e.g. for `bonsai down`. */
  static async stopPid(pid: number): Promise<boolean> {
    if (!isAlive(pid)) {
      releasePortLock([pid]);
      return false;
    }
    try {
      process.kill(-pid, "SIGTERM");
    } catch {
      return false;
    }
    for (let i = 0; i < 50 && isAlive(pid); i++) await sleep(100);
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      /* gone */
    }
    releasePortLock([pid, process.pid]);
    return true;
  }

  get alive(): boolean {
    return !this.exited;
  }

  logTail(lines = 40): string {
    return tail(this.log, lines);
  }

  async stop(): Promise<void> {
    const pid = this.child.pid;
    if (!pid || this.exited) {
      releasePortLock([pid, process.pid]);
      return;
    }
    await PeprDev.stopPid(pid);
  }
}
