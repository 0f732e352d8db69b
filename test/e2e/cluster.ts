import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { ControlPlane } from "../../tools/controlplane/controlplane";
import { PeprDev } from "../../tools/controlplane/pepr-dev";
import { sleep } from "../../tools/controlplane/processes";

/** First run builds Kubernetes from source: the set-up of an e2e file may take that long, once. */
export const SETUP_TIMEOUT_MS = 45 * 60 * 1000;

export interface E2eCluster {
  cp: ControlPlane;
  dev?: PeprDev;
  kubectl(args: string[], input?: string): { code: number; stdout: string; stderr: string };
  apply(...objects: unknown[]): { code: number; stdout: string; stderr: string };
  stop(): Promise<void>;
  /** What to print when a test fails: dead components and the module's log tail. */
  diagnostics(): string;
}

export async function startCluster(opts: { module: boolean; env?: NodeJS.ProcessEnv }): Promise<E2eCluster> {
  const stateDir = mkdtempSync(join(tmpdir(), "bonsai-e2e-"));
  const progress = (m: string) => process.stderr.write(`[e2e] ${m}\n`);
  const cp = await ControlPlane.start({ stateDir, progress });
  let dev: PeprDev | undefined;
  try {
    if (opts.module) dev = await PeprDev.start(cp, { progress, env: opts.env });
  } catch (err) {
    await cp.stop();
    throw err;
  }
  return {
    cp,
    dev,
    kubectl: (args, input) => cp.kubectl(args, input),
    apply: (...objects) => cp.kubectl(["apply", "-f", "-"], objects.map(o => stringify(o)).join("---\n")),
    stop: async () => {
      await dev?.stop();
      await cp.stop();
    },
    diagnostics: () => [...cp.deadComponents(), dev && !dev.alive ? `pepr dev died:\n${dev.logTail()}` : ""].join("\n"),
  };
}

/** Polls until `check` holds; fails with the last value seen, never hangs. */
export async function eventually<T>(
  what: string,
  probe: () => T,
  check: (v: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = probe();
  while (!check(last)) {
    if (Date.now() > deadline)
      throw new Error(`${what}: still not true after ${timeoutMs / 1000} s; last: ${JSON.stringify(last)}`);
    await sleep(250);
    last = probe();
  }
  return last;
}
