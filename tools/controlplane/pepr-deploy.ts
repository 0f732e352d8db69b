import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import type { ControlPlane } from "./controlplane";
import { sleep, tail } from "./processes";

const REPO = join(__dirname, "..", "..");
/** `pepr-<uuid>` from package.json's pepr section: the name of every object `pepr deploy` creates. */
export const MODULE_NAME = "pepr-bonsai-guardrails";
export const MODULE_NAMESPACE = "pepr-system";

/**
 * `npx pepr deploy --yes`, exactly as README tells users, against this control plane: it builds the module
 * into dist/ (fresh TLS material and API path each time), applies the namespace, webhook configurations,
 * RBAC, Secrets, Services and Deployments, and waits until every Deployment in pepr-system has all replicas
 * ready — which here means the local kubelet runs them and their readiness probes pass.
 */
export async function peprDeploy(
  cp: ControlPlane,
  opts: { timeoutMs?: number; progress?: (m: string) => void; cwd?: string } = {},
): Promise<{ seconds: number; log: string }> {
  const log = join(cp.stateDir, "pepr-deploy.log");
  const fd = openSync(log, "a");
  const started = Date.now();
  opts.progress?.("npx pepr deploy --yes");
  const child = spawn("npx", ["pepr", "deploy", "--yes"], {
    cwd: opts.cwd ?? REPO,
    env: { ...process.env, KUBECONFIG: cp.kubeconfig, PEPR_PRETTY_LOG: "false", NO_COLOR: "1" },
    stdio: ["ignore", fd, fd],
    detached: true,
  });
  closeSync(fd);
  const exit = new Promise<number | null>(resolve => child.on("exit", code => resolve(code)));
  const timeoutMs = opts.timeoutMs ?? 240_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">(resolve => (timer = setTimeout(() => resolve("timeout"), timeoutMs)));
  const result = await Promise.race([exit, timeout]);
  clearTimeout(timer);
  if (result === "timeout") {
    // Its own process group: npx and the pepr CLI under it stop together.
    if (child.pid) process.kill(-child.pid, "SIGKILL");
    throw new Error(`npx pepr deploy did not finish within ${timeoutMs / 1000} s:\n${tail(log, 30)}`);
  }
  if (result !== 0) throw new Error(`npx pepr deploy failed (exit ${result}):\n${tail(log, 30)}`);
  return { seconds: (Date.now() - started) / 1000, log };
}

/**
 * Removes the module so that nothing is left rejecting requests: first the webhook configurations (and waits
 * until the API server no longer has them), only then the controller — Deployments, Services, Secrets,
 * RBAC, the store CRD. Pepr 1.1.4 deletes all of these at once, so its controller can be gone while the
 * fail-closed webhooks still point at it.
 */
export async function uninstallModule(
  cp: Pick<ControlPlane, "kubectl">,
): Promise<{ webhooksGoneAfterMs: number; steps: string[] }> {
  const steps: string[] = [];
  const del = (args: string[]) => {
    const r = cp.kubectl(["delete", "--ignore-not-found", "--wait=true", ...args]);
    if (r.code !== 0) throw new Error(`kubectl delete ${args.join(" ")}: ${r.stderr}`);
    steps.push(args.join(" "));
  };
  const started = Date.now();
  del(["mutatingwebhookconfiguration", MODULE_NAME]);
  del(["validatingwebhookconfiguration", MODULE_NAME]);
  for (let i = 0; i < 100; i++) {
    const left = cp.kubectl(["get", "mutatingwebhookconfiguration,validatingwebhookconfiguration", "-o", "name"]);
    if (left.code === 0 && !left.stdout.includes(MODULE_NAME)) break;
    await sleep(100);
  }
  const webhooksGoneAfterMs = Date.now() - started;
  const ns = ["-n", MODULE_NAMESPACE];
  del([...ns, "deployment", MODULE_NAME, `${MODULE_NAME}-watcher`]);
  del([...ns, "service", MODULE_NAME, `${MODULE_NAME}-watcher`]);
  del([...ns, "secret", `${MODULE_NAME}-module`, `${MODULE_NAME}-tls`, `${MODULE_NAME}-api-path`]);
  del([...ns, "rolebinding", `${MODULE_NAME}-store`]);
  del([...ns, "role", MODULE_NAME]);
  del([...ns, "serviceaccount", MODULE_NAME]);
  del(["clusterrolebinding", MODULE_NAME]);
  del(["clusterrole", MODULE_NAME]);
  del(["crd", "peprstores.pepr.dev"]);
  return { webhooksGoneAfterMs, steps };
}

/**
 * A rollout restart of the module's Deployments, waited for. After a re-deploy this repairs what Pepr 1.1.4's
 * order leaves possible: it applies the Deployment before the TLS and API-path Secrets, so a pod that starts in
 * between reads a mix of old and new (and Pepr reads them once, at start) and answers every call with an error.
 * With the Secrets settled, old and new pods accept the same certificate and path: the restart has no window.
 */
export function restartModule(cp: Pick<ControlPlane, "kubectl">, timeoutSeconds = 240): void {
  const deployments = [MODULE_NAME, `${MODULE_NAME}-watcher`].map(d => `deployment/${d}`);
  const restart = cp.kubectl(["rollout", "restart", "-n", MODULE_NAMESPACE, ...deployments]);
  if (restart.code !== 0) throw new Error(`kubectl rollout restart: ${restart.stderr}`);
  for (const d of deployments) {
    const status = cp.kubectl(
      ["rollout", "status", "-n", MODULE_NAMESPACE, d, `--timeout=${timeoutSeconds}s`],
      undefined,
      (timeoutSeconds + 10) * 1000,
    );
    if (status.code !== 0) throw new Error(`kubectl rollout status ${d}: ${status.stderr}`);
  }
}
