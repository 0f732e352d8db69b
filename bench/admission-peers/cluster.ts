import type { Agent } from "node:https";
import { ControlPlane } from "../../tools/controlplane/controlplane";
import { readPidFile } from "../../tools/controlplane/processes";
import { webhookConfigs } from "../admission/apiserver";
import { adminAgentFor } from "../lib/admin-agent";
import { sendOne } from "../lib/load";
import { BENCH_NAMESPACE } from "../lib/objects";
import { moduleWebhookRules, type RunningController } from "../lib/pepr-module";
import { log } from "../lib/results";
import { RunningKyverno, startKyverno } from "../peers/kyverno/controller";
import { VAP_NAMESPACE_LABEL, vapObjects } from "../peers/vap/objects";
import { expectedVerdict, judgeFor, Peer, requestFor, SHAPES } from "./shapes";

/** Which peer judges the bench namespace is decided by its labels alone; each peer is installed once. */
const PEER_LABEL = VAP_NAMESPACE_LABEL.key;
const PSA_LABELS = ["enforce", "enforce-version", "warn", "warn-version"].map(k => `pod-security.kubernetes.io/${k}`);

export interface PeerCluster {
  cp: ControlPlane;
  port: number;
  kyverno: RunningKyverno;
  apiserverPid: number;
  agentFor(concurrency: number): Agent;
  setPhase(peer: Peer): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The embedded control plane with all four peers installed side by side: the VAP and its binding, the Bonsai
 * module's URL webhooks and Kyverno's (registered by Kyverno itself), each limited to namespaces labelled
 * bench.bonsai.dev/peer=<peer>; the built-in PodSecurity plugin is on for a namespace with its labels.
 */
export async function startPeerCluster(opts: {
  stateDir: string;
  bonsai: RunningController;
  bonsaiCa: Buffer;
}): Promise<PeerCluster> {
  const cp = await ControlPlane.start({
    stateDir: opts.stateDir,
    kwok: false,
    progress: m => log(`control plane: ${m}`),
  });
  let kyverno: RunningKyverno | undefined;
  const api = cp.api();
  try {
    await api.post("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: BENCH_NAMESPACE } });
    await api.post(`/api/v1/namespaces/${BENCH_NAMESPACE}/serviceaccounts`, {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "large" }, // the large pod's serviceAccountName
    });
    const { policy, binding } = vapObjects();
    await api.post("/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies", policy);
    await api.post("/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings", binding);
    const caBundle = opts.bonsaiCa.toString("base64");
    const target = {
      name: "guardrails" as const,
      port: opts.bonsai.port,
      apiPath: opts.bonsai.apiPath,
      rules: moduleWebhookRules(opts.bonsai.bundle),
    };
    for (const cfg of webhookConfigs(target, caBundle, { matchLabels: { [PEER_LABEL]: "bonsai" } })) {
      const kind = cfg.kind === "MutatingWebhookConfiguration" ? "mutating" : "validating";
      await api.post(`/apis/admissionregistration.k8s.io/v1/${kind}webhookconfigurations`, cfg);
    }
    kyverno = await startKyverno({
      cp,
      stateDir: opts.stateDir,
      namespaceSelector: { [PEER_LABEL]: "kyverno" },
      progress: m => log(m),
    });
    // The ServiceAccount admission plugin refuses pods until the namespace's default ServiceAccount exists.
    for (let i = 0; !(await api.getOptional(`/api/v1/namespaces/${BENCH_NAMESPACE}/serviceaccounts/default`)); i++) {
      if (i > 120) throw new Error("no default ServiceAccount after 60 s");
      await new Promise(r => setTimeout(r, 500));
    }
  } catch (err) {
    api.close();
    await kyverno?.stop();
    await cp.stop();
    throw err;
  }
  const apiserverPid = readPidFile(opts.stateDir).find(p => p.name === "kube-apiserver")?.pid;
  if (!apiserverPid) throw new Error(`no kube-apiserver in ${opts.stateDir}'s PID file`);
  const agentFor = adminAgentFor(cp.kubeconfig);
  const port = Number(new URL(cp.server).port);
  const probe = agentFor(1);
  const setPhase = async (peer: Peer) => {
    const labels: Record<string, string | null> = Object.fromEntries(
      PSA_LABELS.map(k => [k, peer === "pss" ? (k.endsWith("-version") ? "latest" : "restricted") : null]),
    );
    labels[PEER_LABEL] = peer === "pss" ? null : peer;
    await api.mergePatch(`/api/v1/namespaces/${BENCH_NAMESPACE}`, { metadata: { labels } });
    // The API server sees the labels through its namespace informer: wait until every shape gets this peer's
    // verdict from this peer, twice in a row.
    const judge = judgeFor(peer);
    let last = "";
    for (let i = 0, ok = 0; ok < 2; i++) {
      if (i > 150) throw new Error(`phase ${peer}: verdicts not in effect after 30 s (last: ${last})`);
      const answers = await Promise.all(
        SHAPES.map((_, s) => sendOne(probe, port, 15_000, requestFor(s), undefined, judge)),
      );
      const wrong = answers.filter(a => a.error);
      last = wrong.map(a => a.error).join("; ");
      ok = wrong.length ? 0 : ok + 1;
      if (ok < 2) await new Promise(r => setTimeout(r, 200));
    }
    log(`phase ${peer}: ${SHAPES.map(s => `${s.label} ${expectedVerdict(peer, s)}`).join(", ")}`);
  };
  return {
    cp,
    port,
    kyverno: kyverno!,
    apiserverPid,
    agentFor,
    setPhase,
    stop: async () => {
      probe.destroy();
      api.close();
      await kyverno?.stop();
      await cp.stop();
    },
  };
}
