import { join } from "node:path";
import { stringify } from "yaml";
import type { ControlPlane } from "../../tools/controlplane/controlplane";
import { FluxControllers } from "../../tools/flux/controllers";
import { LoopbackGitRemote } from "../../tools/flux/git-remote";
import { LayerStatus, requestReconcile, waitForLayers } from "../../tools/flux/status";
import { SYNC_NAME, syncObjects } from "../../tools/flux/sync";
import { clusterLayers } from "../../lib/render/layers";
import { platformObjects, renderPlatform } from "../../lib/render/platform";
import type { Kubectl } from "./apply-layers";
import { alignDatabaseSecret } from "./app-images";
import { ingressTlsBeforeLayer } from "./local-tls";
import { releasePendingHelmReleases } from "./helm-releases";
import { ensureSecrets, missingSecrets } from "./platform-secrets";
import { REPO_ROOT } from "./state";
import { ensureSopsKeySecret, SOPS_SECRET, treeHasSecrets } from "./secrets";
import { provisionPendingClaims } from "./volumes";
import { operatorStandIns } from "./operators";
import { ageKeyFile } from "../../tools/sops";

export interface GitOpsReport {
  url: string;
  commit: string;
  layers: LayerStatus[];
  source: { ready: string; message: string };
  ok: boolean;
  notes: string[];
}

/** Where the Flux controllers and the git remote of a `bonsai up` keep their state; `bonsai down` stops them. */
export const fluxStateDir = (stateDir: string) => join(stateDir, "flux");
export const gitStateDir = (stateDir: string) => join(stateDir, "flux-git");

/**
 * The embedded plane's GitOps path: the real source- and kustomize-controller, the checkout's HEAD pushed to a
 * loopback git remote, the entry point `flux bootstrap` would apply pointed at that remote (a cluster-side
 * object: nothing committed is changed), then every layer reconciled by kustomize-controller. Our chart's
 * HelmReleases are installed with real Helm as helm-controller would (its root module is not served by the Go
 * proxy, so it cannot run here). Stand-in Secrets for those that exist only SOPS-encrypted, PersistentVolumes for
 * the claims (kwok has no provisioner).
 */
export async function reconcileFromGit(
  cp: ControlPlane,
  stateDir: string,
  say: (m: string) => void,
  timeoutMs: number,
  cluster = "local",
): Promise<GitOpsReport> {
  const kubectl: Kubectl = (args, input) => cp.kubectl(args, input);
  const notes: string[] = [];
  await FluxControllers.start(cp, { stateDir: fluxStateDir(stateDir), detach: true, progress: say });
  const remote = await LoopbackGitRemote.start(gitStateDir(stateDir), { detach: true });
  const pushed = remote.push(REPO_ROOT);
  say(`pushed ${pushed.commit.slice(0, 12)} (HEAD) to ${remote.url}`);
  if (pushed.uncommitted.length)
    notes.push(
      `not deployed (uncommitted, Flux only sees commits): ${pushed.uncommitted.slice(0, 10).join(", ")}` +
        (pushed.uncommitted.length > 10 ? ` and ${pushed.uncommitted.length - 10} more` : ""),
    );
  if (treeHasSecrets(REPO_ROOT)) {
    const key = ensureSopsKeySecret(kubectl);
    if (key === "no-key")
      notes.push(
        `the secrets layer cannot be decrypted: no age key at ${ageKeyFile()} (the key of bonsai secrets init; ` +
          `or create the ${SOPS_SECRET} Secret in flux-system yourself)`,
      );
  }
  const entry = syncObjects({ url: remote.url, path: `clusters/${cluster}` });
  const applied = kubectl(
    ["apply", "--server-side", "--field-manager=bonsai-up", "-f", "-"],
    entry.map(o => stringify(o)).join("---\n"),
  );
  if (applied.code !== 0) throw new Error(`applying the Flux entry point failed: ${applied.stderr}`);
  requestReconcile(kubectl, "gitrepository", SYNC_NAME);
  say(`Flux is reconciling clusters/${cluster}; waiting for every layer's Ready condition`);

  // While Flux works: stand-in Secrets once their namespaces exist, volumes for the claims.
  const platform = platformObjects(renderPlatform(REPO_ROOT, cluster));
  const operators = operatorStandIns(kubectl, platform, say);
  const needs = missingSecrets(platform);
  // The ingress controller's TLS Secret (the controller exits without it), once its namespace exists.
  let tls = false;
  const ingressTls = ingressTlsBeforeLayer(kubectl, () => platform);
  const stand: string[] = [];
  const released: string[] = [];
  const helper = setInterval(() => {
    void provisionPendingClaims(cp, 0).catch(() => {});
    released.push(
      ...releasePendingHelmReleases(kubectl, { kube: ["--kubeconfig", cp.kubeconfig], gitDir: remote.bareDir }),
    );
    if (!tls && kubectl(["get", "namespace", "ingress-nginx"]).code === 0) {
      tls = true;
      notes.push(...ingressTls(platform));
    }
    for (const need of needs.filter(n => !stand.includes(`${n.namespace}/${n.name}`)))
      if (kubectl(["get", "namespace", need.namespace]).code === 0) stand.push(...ensureSecrets(kubectl, [need]));
    operators.tick();
  }, 2000);
  let result;
  try {
    result = await waitForLayers(kubectl, {
      commit: pushed.commit,
      expect: [SYNC_NAME, ...clusterLayers(REPO_ROOT, cluster).map(l => l.name)],
      timeoutMs,
    });
  } finally {
    clearInterval(helper);
  }
  const stoodIn = await operators.settle();
  notes.push(...stoodIn.notes, ...stoodIn.denied.map(d => `refused: ${d}`));
  if (stand.length) notes.push(`random stand-in Secrets created in the cluster (not on disk): ${stand.join(", ")}`);
  const aligned = alignDatabaseSecret(kubectl);
  if (aligned) notes.push(aligned);
  if (result.timedOut) notes.push(`not every layer settled within ${timeoutMs / 1000} s`);

  if (released.length)
    notes.push(
      `HelmReleases installed by real Helm from the pushed commit, as helm-controller would (it cannot run on the ` +
        `embedded plane; a later helm-controller adopts them): ${[...new Set(released)].join(", ")}`,
    );
  return {
    url: remote.url,
    commit: pushed.commit,
    layers: result.layers,
    source: result.source,
    ok: result.ok && !stoodIn.denied.length,
    notes,
  };
}

/** Stops what reconcileFromGit left running (by the PIDs it recorded). */
export async function stopGitOps(stateDir: string): Promise<string[]> {
  return [
    ...(await FluxControllers.stopStateDir(fluxStateDir(stateDir))),
    ...(await FluxControllers.stopStateDir(gitStateDir(stateDir))),
  ];
}
