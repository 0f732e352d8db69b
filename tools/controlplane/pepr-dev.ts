import { ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { request } from "node:https";
import { connect } from "node:net";
import { join } from "node:path";
import type { ControlPlane } from "./controlplane";
import { isAlive, sleep, tail, waitFor } from "./processes";

/** Pepr 1.1.4's controller always listens on 3000, and `pepr dev` points the webhooks there. */
export const PEPR_DEV_PORT = 3000;
const REPO = join(__dirname, "..", "..");

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

function healthz(): Promise<boolean> {
  return new Promise(resolve => {
    const req = request(
      `https://localhost:${PEPR_DEV_PORT}/healthz`,
      { rejectUnauthorized: false, timeout: 2000 },
      res => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

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
    opts: { timeoutMs?: number; progress?: (m: string) => void; env?: NodeJS.ProcessEnv } = {},
  ): Promise<PeprDev> {
    if (await portInUse(PEPR_DEV_PORT)) {
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
          LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
          PEPR_PRETTY_LOGS: "false",
        },
        stdio: ["ignore", fd, fd],
        detached: true,
      },
    );
    closeSync(fd);
    child.unref();
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
    if (!isAlive(pid)) return false;
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
    if (!pid || this.exited) return;
    await PeprDev.stopPid(pid);
  }
}
