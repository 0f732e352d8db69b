import { ControlPlane } from "../../tools/controlplane/controlplane";
import { webhookUnreachable } from "../../tools/controlplane/pepr-dev";
import { sleep } from "../../tools/controlplane/processes";
import { AppliedLayer, applyLayers, installFluxCrds, Kubectl, liveSummary } from "./apply-layers";
import { GitOpsReport, reconcileFromGit } from "./gitops";
import { installGuardrails, LOCAL_POD_NAMESPACES } from "./guardrails-embedded";
import { ensureSecrets, missingSecrets } from "./platform-secrets";
import { ingressTlsBeforeLayer } from "./local-tls";
import { clusterQuotaSize, platformObjects, renderPlatform } from "../../lib/render";
import { REPO_ROOT, writeUpRecord } from "./state";
import { provisionPendingClaims } from "./volumes";
import { resolveCluster } from "./cluster";
import { applyModuleOverlay } from "./module-overlay";
import { standInForCnpg, withoutPodServedWebhooks } from "./operators";

export interface UpReport {
  kubeconfig: string;
  /** The guardrails' verdicts on everything now in the cluster, by result. */
  violations: Record<string, number>;
  applied: AppliedLayer[];
  pods: { running: number; total: number };
  notes: string[];
  /** Set when the real Flux controllers reconciled the layers (the default); `applied` is empty then. */
  flux?: GitOpsReport;
}

const say = (m: string) => process.stderr.write(`bonsai up: ${m}\n`);

/**
 * The platform on the embedded control plane: etcd + kube-apiserver + controllers + kwok in a network
 * namespace of their own (one kwok node per node of `clusters/<cluster>/k3d.yaml`), the guardrails installed with
 * `npx pepr deploy` (guardrails-embedded.ts) and set for the cluster (module-overlay.ts), then every layer of
 * `clusters/<cluster>` (default local) reconciled by the real Flux controllers from the checkout's HEAD
 * (cli/up/gitops.ts), or with `flux: false` applied in Flux's order without them. Operators that cannot run here
 * get their stand-ins (operators.ts). Everything keeps running after this process exits; `bonsai down` stops it
 * by the recorded PIDs.
 */
export async function upEmbedded(stateDir: string, opts: { flux?: boolean; cluster?: string } = {}): Promise<UpReport> {
  const cluster = resolveCluster(REPO_ROOT, opts.cluster ?? "local");
  const cp = await ControlPlane.start({
    stateDir,
    detach: true,
    progress: say,
    network: "namespace",
    localPodNamespaces: LOCAL_POD_NAMESPACES,
    kwokNodes: cluster.nodes,
  });
  writeUpRecord(stateDir, { mode: "embedded", kubeconfig: cp.kubeconfig, startedAt: new Date().toISOString() });
  say("installing the Flux CRDs (so GitRepository, Kustomization and HelmRelease objects apply)");
  const kubectl: Kubectl = (args, input) => cp.kubectl(args, input);
  installFluxCrds(kubectl);
  const guardrailNotes = await installGuardrails(cp, say);
  guardrailNotes.push(...applyModuleOverlay(kubectl, REPO_ROOT, cluster.name, say));
  if (opts.flux !== false) return upEmbeddedWithFlux(cp, stateDir, kubectl, guardrailNotes, cluster.name);
  const { applied, notes, objects } = await applyLayers(REPO_ROOT, kubectl, {
    cluster: cluster.name,
    progress: say,
    retry: webhookUnreachable,
    leaveOut: withoutPodServedWebhooks,
    beforeLayer: ingressTlsBeforeLayer(kubectl, () => platformObjects(renderPlatform(REPO_ROOT, cluster.name))),
    helmKube: ["--kubeconfig", cp.kubeconfig],
  });
  notes.unshift(...guardrailNotes);
  const secrets = ensureSecrets(kubectl, missingSecrets(objects));
  if (secrets.length) notes.push(`random stand-in Secrets created in the cluster (not on disk): ${secrets.join(", ")}`);
  const cnpg = await standInForCnpg(kubectl, objects, say);
  if (cnpg.created.length || cnpg.denied.length)
    applied.push({ layer: "cnpg-stand-in", objects: cnpg.created.length, denied: cnpg.denied });
  // StatefulSets create their claims a moment after they are applied: give them time, then bind them all.
  await sleep(3000);
  const volumes = await provisionPendingClaims(cp);
  if (volumes.length) notes.push(`${volumes.length} PersistentVolumes stood in for k3s's local-path provisioner`);
  const pods = await waitForPods(cp);
  return {
    kubeconfig: cp.kubeconfig,
    applied,
    pods,
    notes,
    violations: liveSummary(kubectl, clusterQuotaSize(REPO_ROOT, cluster.name)),
  };
}

async function upEmbeddedWithFlux(
  cp: ControlPlane,
  stateDir: string,
  kubectl: Kubectl,
  guardrailNotes: string[],
  cluster: string,
): Promise<UpReport> {
  const waitMs = Number(process.env.BONSAI_WAIT_SECONDS ?? 600) * 1000;
  const flux = await reconcileFromGit(cp, stateDir, say, waitMs, cluster);
  const pods = await waitForPods(cp);
  const notes = [...guardrailNotes, ...flux.notes];
  const violations = liveSummary(kubectl, clusterQuotaSize(REPO_ROOT, cluster));
  return { kubeconfig: cp.kubeconfig, applied: [], pods, notes, violations, flux };
}

async function waitForPods(cp: ControlPlane): Promise<{ running: number; total: number }> {
  say("waiting for pods to be Running on the kwok nodes");
  let pods = { running: 0, total: 0 };
  for (let i = 0; i < 60; i++) {
    const list = JSON.parse(cp.kubectl(["get", "pods", "-A", "-o", "json"]).stdout || '{"items":[]}') as {
      items: { status?: { phase?: string } }[];
    };
    // A finished Job's pod (Succeeded) is done, not waiting to run.
    const live = list.items.filter(p => p.status?.phase !== "Succeeded");
    pods = { running: live.filter(p => p.status?.phase === "Running").length, total: live.length };
    if (pods.total > 0 && pods.running === pods.total) break;
    await sleep(1000);
  }
  return pods;
}
