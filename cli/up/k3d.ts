import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../../capabilities/k8s/object";
import { AppliedLayer, applyLayers, applyObjects, installFluxCrds, Kubectl, liveSummary } from "./apply-layers";
import { ensureSecrets, missingSecrets } from "./platform-secrets";
import { ingressTlsBeforeLayer } from "./local-tls";
import { alignDatabaseSecret, buildAndPush, localAppImages } from "./app-images";
import { platformObjects, renderPlatform } from "../../lib/render";
import { REPO_ROOT } from "./state";
import { syncObjects } from "../../tools/flux/sync";

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

/** The remote Flux follows: BONSAI_GIT_URL, else the checkout's `origin`. */
function fluxRemoteUrl(): string {
  if (process.env.BONSAI_GIT_URL) return process.env.BONSAI_GIT_URL;
  const r = spawnSync("git", ["remote", "get-url", "origin"], { cwd: REPO_ROOT, encoding: "utf8" });
  const url = r.status === 0 ? r.stdout.trim() : "";
  if (!url)
    throw new Error(
      "Flux needs a git remote the cluster can reach: set BONSAI_GIT_URL, or add an `origin` remote (docs/bootstrap.md)",
    );
  return url;
}

export interface K3dReport {
  flux: boolean;
  applied: AppliedLayer[];
  notes: string[];
  violations: Record<string, number>;
}

/** What every layer renders to, for the Secrets the workloads need (the Flux path applies nothing itself). */
function renderAll(): KubeObject[] {
  return platformObjects(renderPlatform(REPO_ROOT));
}

/**
 * The platform on k3d (the Mac Mini path): the cluster from clusters/local/k3d.yaml; Flux if its CLI is present,
 * otherwise the layers applied in Flux's order exactly as Flux would apply them (our chart's HelmReleases
 * rendered with helm); random stand-in values for Secrets that only exist SOPS-encrypted; the guardrails with
 * `npx pepr deploy`; then a wait and the guardrails' verdicts on what runs.
 */
export async function upK3d(): Promise<K3dReport> {
  const config = join(REPO_ROOT, "clusters", "local", "k3d.yaml");
  // k3d.yaml mounts this host folder as local-path storage; k3d does not create it.
  mkdirSync(join(homedir(), ".bonsai", "storage"), { recursive: true });
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
    const url = fluxRemoteUrl();
    // What `flux bootstrap --path=clusters/local` applies (its gotk-sync.yaml): the entry point syncs itself.
    const sync = await applyObjects(kubectl, syncObjects({ url, path: "clusters/local" }));
    if (sync.length) throw new Error(`applying the Flux entry point failed:\n${sync.join("\n")}`);
    notes.push(`Flux reconciles clusters/local from ${url} (flux get kustomizations)`);
  } else {
    say("no flux CLI: applying the layers of clusters/local with kubectl, in their dependsOn order");
    installFluxCrds(kubectl);
    const result = await applyLayers(REPO_ROOT, kubectl, {
      progress: say,
      beforeLayer: ingressTlsBeforeLayer(kubectl, renderAll),
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
  const timeout = `${Number(process.env.BONSAI_WAIT_SECONDS ?? 600)}s`;
  say(
    `waiting up to ${timeout} for ${flux ? "Flux's Kustomizations to be Ready" : "every Deployment to be Available"}`,
  );
  const wait = flux
    ? kubectl(["wait", "kustomization", "--all", "-n", "flux-system", "--for=condition=Ready", `--timeout=${timeout}`])
    : kubectl(["wait", "deployment", "--all", "--all-namespaces", "--for=condition=Available", `--timeout=${timeout}`]);
  if (wait.code !== 0) notes.push(`not everything was ready within ${timeout}: ${wait.stderr.trim()}`);
  return { flux, applied, notes, violations: liveSummary(kubectl) };
}
