import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import type { KubeObject } from "../../capabilities/k8s/object";
import { AppliedLayer, applyLayers, applyObjects, installFluxCrds, Kubectl, liveSummary } from "./apply-layers";
import { ensureSecrets, missingSecrets } from "./platform-secrets";
import { ingressTlsBeforeLayer } from "./local-tls";
import { alignDatabaseSecret, buildAndPush, localAppImages } from "./app-images";
import { clusterLayers, clusterQuotaSize, platformObjects, renderPlatform } from "../../lib/render";
import { REPO_ROOT, stateDir } from "./state";
import { SYNC_NAME, syncObjects } from "../../tools/flux/sync";
import { requestReconcile, waitForLayers } from "../../tools/flux/status";
import { LoopbackGitRemote } from "../../tools/flux/git-remote";
import { ageKeyFile } from "../../tools/sops";
import { GitOpsReport, gitStateDir } from "./gitops";
import { ensureSopsKeySecret, treeHasSecrets } from "./secrets";
import { resolveCluster } from "./cluster";
import { applyModuleOverlay } from "./module-overlay";

export const K3D_CLUSTER = "bonsai";
/** The kubeconfig context k3d writes for the cluster; every kubectl call names it, whatever the current one is. */
export const K3D_CONTEXT = `k3d-${K3D_CLUSTER}`;

const say = (m: string) => process.stderr.write(`bonsai up: ${m}\n`);

function has(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: "ignore", timeout: 15_000 });
  return r.status === 0;
}

/** k3d needs a running Docker engine, not just the client. */
export function k3dAvailable(): boolean {
  return has("k3d", ["version"]) && has("docker", ["info"]);
}

function run(cmd: string, args: string[]): void {
  say(`$ ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: REPO_ROOT });
  if (r.error) throw new Error(`cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status})`);
}

const kubectl: Kubectl = (args, input) => {
  const r = spawnSync("kubectl", [`--context=${K3D_CONTEXT}`, ...args], {
    input,
    encoding: "utf8",
    cwd: REPO_ROOT,
    timeout: 15 * 60_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw new Error(`cannot run kubectl: ${r.error.message}`);
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
};

export interface K3dReport {
  flux: boolean;
  applied: AppliedLayer[];
  notes: string[];
  violations: Record<string, number>;
  /** Set on the Flux path: what kustomize-controller reports per layer. */
  fluxReport?: GitOpsReport;
}

/** What every layer renders to, for the Secrets the workloads need (the Flux path applies nothing itself). */
function renderClusterObjects(cluster: string): KubeObject[] {
  return platformObjects(renderPlatform(REPO_ROOT, cluster));
}

/**
 * The platform on k3d (the Mac Mini path): the cluster from clusters/<cluster>/k3d.yaml (default local); Flux if
 * its CLI is present,
 * otherwise the layers applied in Flux's order exactly as Flux would apply them (our chart's HelmReleases
 * rendered with helm); random stand-in values for Secrets that only exist SOPS-encrypted; the guardrails with
 * `npx pepr deploy` and the cluster's settings of it (module-overlay.ts); then a wait and the guardrails' verdicts on
 * what runs.
 */
export async function upK3d(cluster = "local"): Promise<K3dReport> {
  const choice = resolveCluster(REPO_ROOT, cluster);
  const config = choice.k3dConfig;
  // k3d.yaml mounts these host folders as local-path storage (one per node); k3d does not create them.
  for (const folder of choice.hostFolders) mkdirSync(folder, { recursive: true });
  const renderAll = () => renderClusterObjects(cluster);
  if (!has("k3d", ["cluster", "get", K3D_CLUSTER])) run("k3d", ["cluster", "create", "--config", config]);
  else say(`k3d cluster ${K3D_CLUSTER} exists; reusing it`);
  // pepr deploy talks to the current context: make sure it is this cluster's.
  run("kubectl", ["config", "use-context", K3D_CONTEXT]);
  // The reference apps' images, into the cluster's registry before anything that runs them is applied.
  buildAndPush(run, localAppImages(REPO_ROOT, renderAll()));
  const flux = has("flux", ["--version"]);
  const notes: string[] = [];
  let applied: AppliedLayer[] = [];
  let objects: KubeObject[];
  let commit: string | undefined;
  let sourceUrl = "";
  if (flux) {
    run("flux", ["install", `--context=${K3D_CONTEXT}`]);
    objects = renderAll();
    // The namespaces first, so that the stand-in Secrets below have somewhere to go before Flux gets there.
    const denied = await applyObjects(
      kubectl,
      objects.filter(o => o.kind === "Namespace"),
    );
    if (denied.length) throw new Error(`creating the namespaces failed:\n${denied.join("\n")}`);
    // Before Flux gets to the ingress layer: its controller exits while its TLS Secret is missing.
    notes.push(...ingressTlsBeforeLayer(kubectl, () => objects)(objects));
    if (treeHasSecrets(REPO_ROOT) && ensureSopsKeySecret(kubectl) === "no-key")
      notes.push(`the secrets layer cannot be decrypted: no age key at ${ageKeyFile()} (bonsai secrets init)`);
    const source = await fluxSource(notes);
    // What `flux bootstrap --path=clusters/local` applies (its gotk-sync.yaml): the entry point syncs itself.
    const sync = await applyObjects(kubectl, syncObjects({ url: source.url, path: `clusters/${cluster}` }));
    if (sync.length) throw new Error(`applying the Flux entry point failed:\n${sync.join("\n")}`);
    requestReconcile(kubectl, "gitrepository", SYNC_NAME);
    commit = source.commit;
    sourceUrl = source.url;
    notes.push(`Flux reconciles clusters/${cluster} from ${source.url} (flux get kustomizations)`);
  } else {
    say(`no flux CLI: applying the layers of clusters/${cluster} with kubectl, in their dependsOn order`);
    installFluxCrds(kubectl);
    const result = await applyLayers(REPO_ROOT, kubectl, {
      cluster,
      progress: say,
      beforeLayer: ingressTlsBeforeLayer(kubectl, renderAll),
      helmKube: ["--kube-context", K3D_CONTEXT],
    });
    applied = result.applied;
    objects = result.objects;
    notes.push(...result.notes);
  }
  const secrets = ensureSecrets(kubectl, missingSecrets(objects));
  if (secrets.length) notes.push(`random stand-in Secrets created in the cluster (not on disk): ${secrets.join(", ")}`);
  const aligned = alignDatabaseSecret(kubectl);
  if (aligned) notes.push(aligned);
  run("npx", ["pepr", "deploy", "--yes"]);
  notes.push(...applyModuleOverlay(kubectl, REPO_ROOT, cluster, say, 600));
  const seconds = Number(process.env.BONSAI_WAIT_SECONDS ?? 600);
  say(
    `waiting up to ${seconds}s for ${flux ? "each Flux Kustomization's Ready condition" : "every Deployment to be Available"}`,
  );
  let fluxReport: GitOpsReport | undefined;
  if (flux && commit) {
    const r = await waitForLayers(kubectl, {
      commit,
      expect: [SYNC_NAME, ...clusterLayers(REPO_ROOT, cluster).map(l => l.name)],
      timeoutMs: seconds * 1000,
    });
    fluxReport = { url: sourceUrl, commit, layers: r.layers, source: r.source, ok: r.ok, notes: [] };
  } else {
    const wait = kubectl([
      "wait",
      "deployment",
      "--all",
      "--all-namespaces",
      "--for=condition=Available",
      `--timeout=${seconds}s`,
    ]);
    if (wait.code !== 0) notes.push(`not everything was ready within ${seconds}s: ${wait.stderr.trim()}`);
  }
  return { flux, applied, notes, violations: liveSummary(kubectl, clusterQuotaSize(REPO_ROOT, cluster)), fluxReport };
}

/**
 * The git remote Flux follows on k3d: BONSAI_GIT_URL, else the checkout's `origin` (push first: Flux sees
 * what is there, not your checkout); with neither, the checkout's HEAD pushed to a git server of ours on the
 * Mac, reached from the k3d node as host.k3d.internal.
 */
async function fluxSource(notes: string[]): Promise<{ url: string; commit: string }> {
  const head = spawnSync("git", ["rev-parse", "HEAD"], { cwd: REPO_ROOT, encoding: "utf8" }).stdout.trim();
  const origin = spawnSync("git", ["remote", "get-url", "origin"], { cwd: REPO_ROOT, encoding: "utf8" });
  const url = process.env.BONSAI_GIT_URL ?? (origin.status === 0 ? origin.stdout.trim() : "");
  if (url) {
    notes.push(`Flux follows ${url} (branch main): commits not pushed there are not deployed`);
    return { url, commit: head };
  }
  const remote = await LoopbackGitRemote.start(gitStateDir(stateDir()), { detach: true });
  const pushed = remote.push(REPO_ROOT);
  if (pushed.uncommitted.length)
    notes.push(`not deployed (uncommitted): ${pushed.uncommitted.slice(0, 10).join(", ")}`);
  return { url: remote.url.replace("127.0.0.1", "host.k3d.internal"), commit: pushed.commit };
}
