import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { ComponentNetwork, KUBERNETES_SERVICE_IP, SERVICE_CIDR } from "./cluster-network";
import type { ControlPlane, Progress } from "./controlplane";
import { Pki } from "./pki";
import { respondsOk } from "./probe";
import { exitReport, Started, tail, waitFor } from "./processes";

/** Component health endpoints serve a self-signed certificate; only their status is read. */
const INSECURE = { rejectUnauthorized: false };

export const FAKE_NODE = "kwok-node-0";

/** The names of the fake nodes a control plane with `count` kwok nodes registers (the first is FAKE_NODE). */
export const fakeNodeNames = (count = 1): string[] => Array.from({ length: count }, (_, i) => `kwok-node-${i}`);

/** Admission plugins on, as in a real cluster: the module must work beside them, not instead of them. */
const ADMISSION_PLUGINS = [
  "NamespaceLifecycle",
  "LimitRanger",
  "ServiceAccount",
  "DefaultStorageClass",
  "PodSecurity",
  "MutatingAdmissionWebhook",
  "ValidatingAdmissionWebhook",
  "ResourceQuota",
].join(",");

/** What the start-up steps share: the control plane being built and how its processes are started. */
export interface StartContext {
  cp: ControlPlane;
  network: ComponentNetwork;
  pki: Pki;
  stateDir: string;
  start: (name: string, command: string, args: string[]) => Started;
  progress: Progress;
}

export async function startEtcd(ctx: StartContext, etcdBin: string): Promise<void> {
  const { ports } = ctx.network;
  ctx.progress("starting etcd");
  const etcd = ctx.start("etcd", etcdBin, [
    "--name=bonsai",
    `--data-dir=${join(ctx.stateDir, "etcd")}`,
    `--listen-client-urls=http://127.0.0.1:${ports.etcd}`,
    `--advertise-client-urls=http://127.0.0.1:${ports.etcd}`,
    `--listen-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${ports.etcdPeer}`,
    `--initial-cluster=bonsai=http://127.0.0.1:${ports.etcdPeer}`,
    "--unsafe-no-fsync",
    "--log-level=warn",
  ]);
  await waitFor("etcd", () => respondsOk(`http://127.0.0.1:${ctx.network.hostPort(ports.etcd)}/health`), {
    timeoutMs: 30_000,
    dead: () => exitReport(etcd),
    describe: () => tail(etcd.log),
  });
}

export async function startApiserver(ctx: StartContext, extraFlags: string[]): Promise<void> {
  const { ports } = ctx.network;
  const { pki } = ctx;
  const inNamespace = ctx.network.kind === "namespace";
  ctx.progress("starting kube-apiserver");
  const apiserver = ctx.start("kube-apiserver", ctx.cp.binaries.kubeApiserver, [
    `--etcd-servers=http://127.0.0.1:${ports.etcd}`,
    `--bind-address=${ctx.network.apiBindAddress}`,
    `--advertise-address=${inNamespace ? KUBERNETES_SERVICE_IP : "127.0.0.1"}`,
    `--secure-port=${ports.apiserver}`,
    // Newer servers refuse a loopback advertise address with the default endpoint reconciler.
    "--endpoint-reconciler-type=none",
    `--tls-cert-file=${pki.serverCert}`,
    `--tls-private-key-file=${pki.serverKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    "--authorization-mode=Node,RBAC",
    `--enable-admission-plugins=${ADMISSION_PLUGINS}`,
    // Privileged pods must reach the admission chain to be judged there, as on k3s.
    "--allow-privileged=true",
    "--profiling=false",
    `--cert-dir=${join(ctx.stateDir, "pki")}`,
    // Webhooks behind a Service are dialled at the Service's ready endpoints (pod IP and target port), the
    // way kube-proxy would forward the ClusterIP: there is no kube-proxy here.
    ...(inNamespace ? ["--enable-aggregator-routing=true"] : []),
    ...extraFlags,
  ]);
  await waitFor("kube-apiserver", () => ctx.cp.ready(), {
    timeoutMs: 90_000,
    dead: () => exitReport(apiserver),
    describe: () => tail(apiserver.log),
  });
}

export async function startControllers(ctx: StartContext): Promise<void> {
  const { ports } = ctx.network;
  const kubeconfig = ctx.cp.internalKubeconfig;
  const auth = [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    "--bind-address=127.0.0.1",
    "--leader-elect=false",
  ];
  ctx.progress("starting kube-controller-manager and kube-scheduler");
  const kcm = ctx.start("kube-controller-manager", ctx.cp.binaries.kubeControllerManager, [
    ...auth,
    `--secure-port=${ports.controllerManager}`,
    `--service-account-private-key-file=${ctx.pki.serviceAccountKey}`,
    `--root-ca-file=${ctx.pki.caCert}`,
    "--use-service-account-credentials=false",
    // nodelifecycle stays on: it lifts the not-ready taint TaintNodesByCondition puts on new nodes.
    "--controllers=*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-route",
    `--cert-dir=${join(ctx.stateDir, "kcm")}`,
  ]);
  const sched = ctx.start("kube-scheduler", ctx.cp.binaries.kubeScheduler, [
    ...auth,
    `--secure-port=${ports.scheduler}`,
    `--cert-dir=${join(ctx.stateDir, "scheduler")}`,
  ]);
  const healthz = (port: number) => () =>
    respondsOk(`https://127.0.0.1:${ctx.network.hostPort(port)}/healthz`, INSECURE);
  await waitFor("kube-controller-manager", healthz(ports.controllerManager), {
    timeoutMs: 60_000,
    dead: () => exitReport(kcm),
    describe: () => tail(kcm.log),
  });
  await waitFor("kube-scheduler", healthz(ports.scheduler), {
    timeoutMs: 60_000,
    dead: () => exitReport(sched),
    describe: () => tail(sched.log),
  });
  // The ServiceAccount admission plugin needs "default" in a namespace before any pod can be created there.
  await waitFor(
    "default service account",
    async () => ctx.cp.kubectl(["get", "serviceaccount", "default", "-n", "default"]).code === 0,
    { timeoutMs: 60_000, describe: () => tail(kcm.log) },
  );
}

/**
 * kwok's stage definitions, leaving pods of `namespaces` alone: a local kubelet (pod-runner.ts) runs those as
 * processes and reports their status itself, so kwok must not mark them Running or Ready before they are.
 */
export function stagesExcluding(stagesFile: string, namespaces: string[], stateDir: string): string {
  if (!namespaces.length) return stagesFile;
  // Edited as YAML documents, not re-serialised objects: the status templates are block scalars whose line
  // breaks are YAML of their own, and only the added selector lines may change.
  const docs = parseAllDocuments(readFileSync(stagesFile, "utf8"));
  for (const doc of docs) {
    if (doc.getIn(["spec", "resourceRef", "kind"]) !== "Pod") continue;
    const expression = { key: ".metadata.namespace", operator: "NotIn", values: namespaces };
    if (doc.hasIn(["spec", "selector", "matchExpressions"]))
      doc.addIn(["spec", "selector", "matchExpressions"], doc.createNode(expression));
    else doc.setIn(["spec", "selector", "matchExpressions"], doc.createNode([expression]));
  }
  const file = join(stateDir, "kwok-stages.yaml");
  // Each document keeps its own "---" marker from the source.
  writeFileSync(file, docs.map(d => d.toString()).join(""));
  return file;
}

export async function startKwok(
  ctx: StartContext,
  kwok: { kwok: string; stagesFile: string },
  localPodNamespaces: string[],
  nodeCount = 1,
): Promise<void> {
  const nodes = fakeNodeNames(nodeCount);
  ctx.progress(`starting kwok with ${nodes.length === 1 ? "one fake node" : `${nodes.length} fake nodes`}`);
  const kw = ctx.start("kwok", kwok.kwok, [
    `--kubeconfig=${ctx.cp.internalKubeconfig}`,
    "--manage-all-nodes=false",
    "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
    "--disregard-status-with-annotation-selector=kwok.x-k8s.io/status=custom",
    "--cidr=10.0.0.1/24",
    "--node-ip=10.0.0.1",
    `--config=${stagesExcluding(kwok.stagesFile, localPodNamespaces, ctx.stateDir)}`,
    `--server-address=127.0.0.1:${ctx.network.ports.kwok}`,
    "--node-lease-duration-seconds=40",
  ]);
  const node = ctx.cp.kubectl(["apply", "-f", "-"], nodes.map(fakeNodeYaml).join("---\n"));
  if (node.code !== 0) throw new Error(`registering the kwok nodes failed: ${node.stderr}`);
  const ready = 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}';
  await waitFor(
    "kwok nodes Ready",
    async () =>
      ctx.cp
        .kubectl(["get", "nodes", "-o", ready])
        .stdout.split("\n")
        .filter(s => s === "True").length === nodes.length,
    { timeoutMs: 60_000, dead: () => exitReport(kw), describe: () => tail(kw.log) },
  );
}

/**
 * The local kubelet (pod-runner.ts) for pods of `namespaces`, inside the control plane's namespace where pod
 * addresses can exist. Its containers die with it (pod-sandbox.ts), so stopping it by PID stops them too.
 */
export function startLocalKubelet(ctx: StartContext, namespaces: string[]): void {
  if (ctx.network.kind !== "namespace")
    throw new Error('local pods need the control plane in its own network namespace (network: "namespace")');
  ctx.progress(`starting the local kubelet for ${namespaces.join(", ")}`);
  ctx.start("local-kubelet", process.execPath, [
    "--import",
    require.resolve("tsx"),
    join(__dirname, "pod-runner-main.ts"),
    ctx.stateDir,
    namespaces.join(","),
    String(ctx.network.ports.apiserver),
  ]);
}

function fakeNodeYaml(name: string): string {
  return `apiVersion: v1
kind: Node
metadata:
  name: ${name}
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: ${name}
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
# ephemeral-storage as a real node has it: workloads request it, and without it their pods stay Pending.
status:
  allocatable: { cpu: "16", memory: 32Gi, pods: "110", ephemeral-storage: 100Gi }
  capacity: { cpu: "16", memory: 32Gi, pods: "110", ephemeral-storage: 100Gi }
`;
}
