import { spawnSync, SpawnSyncReturns } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { ControlPlane } from "../../tools/controlplane/controlplane";
import { MODULE_NAMESPACE, peprDeploy } from "../../tools/controlplane/pepr-deploy";
import { PeprDev, webhookUnreachable } from "../../tools/controlplane/pepr-dev";
import { sleep, tail } from "../../tools/controlplane/processes";

/** The checkout the tests run in (its apps/, dist/, bin/). */
export const REPO = join(__dirname, "..", "..");

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

export async function startCluster(opts: {
  module: boolean;
  env?: NodeJS.ProcessEnv;
  /** kwok nodes to register (default 1). */
  kwokNodes?: number;
}): Promise<E2eCluster> {
  const stateDir = mkdtempSync(join(tmpdir(), "bonsai-e2e-"));
  const progress = (m: string) => process.stderr.write(`[e2e] ${m}\n`);
  const cp = await ControlPlane.start({ stateDir, progress, kwokNodes: opts.kwokNodes });
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
    kubectl: (args, input) => kubectlReachingModule(cp, args, input),
    apply: (...objects) =>
      kubectlReachingModule(cp, ["apply", "-f", "-"], objects.map(o => stringify(o)).join("---\n")),
    stop: async () => {
      await dev?.stop();
      await cp.stop();
    },
    diagnostics: () => [...cp.deadComponents(), dev && !dev.alive ? `pepr dev died:\n${dev.logTail()}` : ""].join("\n"),
  };
}

/**
 * The module as users install it: the control plane in its own network namespace, `npx pepr deploy --yes`,
 * and the Deployments' pods run by the local kubelet from the built bundle under the module's ServiceAccount.
 * The API server records every request of pepr-system's ServiceAccounts in <stateDir>/audit.log.
 */
export async function startDeployedCluster(): Promise<E2eCluster & { deploySeconds: number }> {
  const stateDir = mkdtempSync(join(tmpdir(), "bonsai-e2e-"));
  const progress = (m: string) => process.stderr.write(`[e2e] ${m}\n`);
  const cp = await ControlPlane.start({
    stateDir,
    progress,
    network: "namespace",
    localPodNamespaces: [MODULE_NAMESPACE],
    auditGroups: [`system:serviceaccounts:${MODULE_NAMESPACE}`],
  });
  let deploySeconds: number;
  try {
    deploySeconds = (await peprDeploy(cp, { progress })).seconds;
    progress(`npx pepr deploy finished in ${deploySeconds.toFixed(1)} s`);
  } catch (err) {
    process.stderr.write(tail(join(stateDir, "local-kubelet.log"), 40) + "\n");
    await cp.stop();
    throw err;
  }
  return {
    cp,
    deploySeconds,
    kubectl: (args, input) => cp.kubectl(args, input),
    apply: (...objects) => cp.kubectl(["apply", "-f", "-"], objects.map(o => stringify(o)).join("---\n")),
    stop: () => cp.stop(),
    diagnostics: () => cp.deadComponents().join("\n"),
  };
}

/**
 * `pepr dev` restarts its controller when a source file changes (other people edit this checkout while the
 * tests run); for a moment the API server cannot reach the module. That is retried for up to 30 s, so the
 * tests judge the module's answers, not the restart; a verdict (admitted or denied) is returned at once.
 */
function kubectlReachingModule(cp: ControlPlane, args: string[], input?: string) {
  const deadline = Date.now() + 30_000;
  let r = cp.kubectl(args, input);
  while (r.code !== 0 && webhookUnreachable(r.stderr) && Date.now() < deadline) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    r = cp.kubectl(args, input);
  }
  return r;
}

/** `kubectl get … -o json`, parsed; a failed call throws with kubectl's message. */
export function kubectlJson<T = any>(c: Pick<E2eCluster, "kubectl">, args: string[]): T {
  const r = c.kubectl([...args, "-o", "json"]);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** Runs kubectl and throws with its message when it fails: for set-up steps a test cannot do without. */
function must(c: Pick<E2eCluster, "kubectl">, args: string[]): void {
  const r = c.kubectl(args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
}

/** A namespace where the API server enforces Pod Security `restricted`, as the platform's namespaces do. */
export function createRestrictedNamespace(c: Pick<E2eCluster, "kubectl">, name: string): void {
  must(c, ["create", "namespace", name]);
  must(c, ["label", "namespace", name, "pod-security.kubernetes.io/enforce=restricted"]);
}

/** The tree's CRDs (apps/crds, or one folder of it), applied and Established before the tests use them. */
export function installCrds(c: Pick<E2eCluster, "kubectl">, dir = join(REPO, "apps", "crds")): void {
  must(c, ["apply", "-k", dir]);
  must(c, ["wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"]);
}

/**
 * Waits for the LimitRange the module's reconciler gives an app namespace: pods need it (or explicit resources)
 * to be admitted, so a test that creates bare pods starts only once it is there.
 */
export function limitRangeReconciled(c: Pick<E2eCluster, "kubectl">, namespace: string): Promise<number> {
  return eventually(
    `${namespace} LimitRange`,
    () => c.kubectl(["get", "limitrange", "default-limits", "-n", namespace]).code,
    code => code === 0,
  );
}

/** Fails the test that just ran when a component died during it, with the tail of its log. */
export function failOnDeadComponents(c: E2eCluster | undefined): void {
  const diag = c?.diagnostics();
  if (diag?.trim()) throw new Error(`a component died during the test:\n${diag}`);
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

/**
 * The `bonsai` CLI as users run it (bin/bonsai.js under this Node), keeping what `bonsai up` records in `stateDir`
 * (BONSAI_STATE_DIR), so that `bonsai down` with the same folder stops exactly that.
 */
export function bonsaiInStateDir(stateDir: string): (args: string[]) => SpawnSyncReturns<string> {
  const bin = join(__dirname, "..", "..", "bin", "bonsai.js");
  return args =>
    spawnSync(process.execPath, [bin, ...args], {
      encoding: "utf8",
      env: { ...process.env, BONSAI_STATE_DIR: stateDir },
      timeout: SETUP_TIMEOUT_MS,
    });
}
