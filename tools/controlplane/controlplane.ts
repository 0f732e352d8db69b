import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureEtcd, ensureKubeBinaries, ensureKwok, KubeBinaries } from "./binaries";
import { createPki, kubeconfigYaml, Pki } from "./pki";
import { respondsOk } from "./probe";
import {
  freePort,
  isAlive,
  isOurs,
  readPidFile,
  startProcess,
  Started,
  stopProcesses,
  tail,
  waitFor,
  writePidFile,
} from "./processes";

/** Component health endpoints serve a self-signed certificate; only their status is read. */
const INSECURE = { rejectUnauthorized: false };

export type Progress = (message: string) => void;

export interface ControlPlaneOptions {
  /** Where certificates, data, logs, the kubeconfig and the PID file go. */
  stateDir: string;
  /** Start kwok and register one fake node (default true). */
  kwok?: boolean;
  /** Keep the processes running after this Node process exits (`bonsai up`). */
  detach?: boolean;
  progress?: Progress;
}

export const FAKE_NODE = "kwok-node-0";

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

/**
 * etcd + kube-apiserver + kube-controller-manager + kube-scheduler (+ kwok with one fake node), built from Go
 * modules, on 127.0.0.1 with free ports and a throw-away CA. Tests and `bonsai up` both use it.
 */
export class ControlPlane {
  private constructor(
    readonly stateDir: string,
    readonly server: string,
    readonly kubeconfig: string,
    readonly binaries: KubeBinaries,
    private readonly pki: Pki,
    private readonly procs: Started[],
  ) {}

  static async start(opts: ControlPlaneOptions): Promise<ControlPlane> {
    const progress = opts.progress ?? (() => {});
    const stateDir = opts.stateDir;
    mkdirSync(stateDir, { recursive: true });
    const leftover = readPidFile(stateDir).filter(p => isAlive(p.pid) && isOurs(p.pid, stateDir));
    if (leftover.length) {
      throw new Error(
        `a previous control plane in ${stateDir} is still running (${leftover.map(p => `${p.name} pid ${p.pid}`).join(", ")}); stop it first (bonsai down)`,
      );
    }
    const binaries = ensureKubeBinaries(progress);
    const etcdBin = ensureEtcd(progress);
    const kwok = opts.kwok === false ? undefined : ensureKwok(progress);
    const pki = createPki(join(stateDir, "pki"));
    const procs: Started[] = [];
    const cp = () => new ControlPlane(stateDir, server, kubeconfig, binaries, pki, procs);
    const [etcdPort, peerPort, apiPort, kcmPort, schedPort, kwokPort] = await Promise.all(
      Array.from({ length: 6 }, freePort),
    );
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfig = join(stateDir, "kubeconfig");
    const detach = !!opts.detach;
    const track = (s: Started) => {
      procs.push(s);
      writePidFile(stateDir, procs);
      return s;
    };
    const deadOrUndefined = (s: Started) => () =>
      s.exited ? `${s.name} exited (${JSON.stringify(s.exited)}):\n${tail(s.log)}` : undefined;

    try {
      progress("starting etcd");
      const etcd = track(
        startProcess(
          "etcd",
          etcdBin,
          [
            "--name=bonsai",
            `--data-dir=${join(stateDir, "etcd")}`,
            `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
            `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
            `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
            `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
            `--initial-cluster=bonsai=http://127.0.0.1:${peerPort}`,
            "--unsafe-no-fsync",
            "--log-level=warn",
          ],
          stateDir,
          { detach },
        ),
      );
      await waitFor("etcd", () => respondsOk(`http://127.0.0.1:${etcdPort}/health`), {
        timeoutMs: 30_000,
        dead: deadOrUndefined(etcd),
        describe: () => tail(etcd.log),
      });

      progress("starting kube-apiserver");
      const apiserver = track(
        startProcess(
          "kube-apiserver",
          binaries.kubeApiserver,
          [
            `--etcd-servers=http://127.0.0.1:${etcdPort}`,
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            `--secure-port=${apiPort}`,
            // Newer servers refuse a loopback advertise address with the default endpoint reconciler.
            "--endpoint-reconciler-type=none",
            `--tls-cert-file=${pki.serverCert}`,
            `--tls-private-key-file=${pki.serverKey}`,
            `--client-ca-file=${pki.caCert}`,
            `--service-account-issuer=https://kubernetes.default.svc.cluster.local`,
            `--service-account-key-file=${pki.serviceAccountPub}`,
            `--service-account-signing-key-file=${pki.serviceAccountKey}`,
            "--service-cluster-ip-range=10.96.0.0/16",
            "--authorization-mode=Node,RBAC",
            `--enable-admission-plugins=${ADMISSION_PLUGINS}`,
            // Privileged pods must reach the admission chain to be judged there, as on k3s.
            "--allow-privileged=true",
            "--profiling=false",
            `--cert-dir=${join(stateDir, "pki")}`,
          ],
          stateDir,
          { detach },
        ),
      );
      await waitFor("kube-apiserver", () => cp().ready(), {
        timeoutMs: 90_000,
        dead: deadOrUndefined(apiserver),
        describe: () => tail(apiserver.log),
      });
      writeFileSync(kubeconfig, kubeconfigYaml(server, pki), { mode: 0o600 });

      progress("starting kube-controller-manager and kube-scheduler");
      const kcm = track(
        startProcess(
          "kube-controller-manager",
          binaries.kubeControllerManager,
          [
            `--kubeconfig=${kubeconfig}`,
            `--authentication-kubeconfig=${kubeconfig}`,
            `--authorization-kubeconfig=${kubeconfig}`,
            "--bind-address=127.0.0.1",
            `--secure-port=${kcmPort}`,
            "--leader-elect=false",
            `--service-account-private-key-file=${pki.serviceAccountKey}`,
            `--root-ca-file=${pki.caCert}`,
            "--use-service-account-credentials=false",
            // nodelifecycle stays on: it lifts the not-ready taint TaintNodesByCondition puts on new nodes.
            "--controllers=*,-nodeipam,-cloud-node-lifecycle,-service-lb-controller,-route",
            `--cert-dir=${join(stateDir, "kcm")}`,
          ],
          stateDir,
          { detach },
        ),
      );
      const sched = track(
        startProcess(
          "kube-scheduler",
          binaries.kubeScheduler,
          [
            `--kubeconfig=${kubeconfig}`,
            `--authentication-kubeconfig=${kubeconfig}`,
            `--authorization-kubeconfig=${kubeconfig}`,
            "--bind-address=127.0.0.1",
            `--secure-port=${schedPort}`,
            "--leader-elect=false",
            `--cert-dir=${join(stateDir, "scheduler")}`,
          ],
          stateDir,
          { detach },
        ),
      );
      await waitFor("kube-controller-manager", () => respondsOk(`https://127.0.0.1:${kcmPort}/healthz`, INSECURE), {
        timeoutMs: 60_000,
        dead: deadOrUndefined(kcm),
        describe: () => tail(kcm.log),
      });
      await waitFor("kube-scheduler", () => respondsOk(`https://127.0.0.1:${schedPort}/healthz`, INSECURE), {
        timeoutMs: 60_000,
        dead: deadOrUndefined(sched),
        describe: () => tail(sched.log),
      });
      // The ServiceAccount admission plugin needs "default" in a namespace before any pod can be created there.
      await waitFor(
        "default service account",
        async () => cp().kubectl(["get", "serviceaccount", "default", "-n", "default"]).code === 0,
        {
          timeoutMs: 60_000,
          describe: () => tail(kcm.log),
        },
      );

      if (kwok) {
        progress("starting kwok with one fake node");
        const kw = track(
          startProcess(
            "kwok",
            kwok.kwok,
            [
              `--kubeconfig=${kubeconfig}`,
              "--manage-all-nodes=false",
              "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
              "--disregard-status-with-annotation-selector=kwok.x-k8s.io/status=custom",
              "--cidr=10.0.0.1/24",
              "--node-ip=10.0.0.1",
              `--config=${kwok.stagesFile}`,
              `--server-address=127.0.0.1:${kwokPort}`,
              "--node-lease-duration-seconds=40",
            ],
            stateDir,
            { detach },
          ),
        );
        const node = cp().kubectl(["apply", "-f", "-"], fakeNodeYaml());
        if (node.code !== 0) throw new Error(`registering the kwok node failed: ${node.stderr}`);
        await waitFor(
          "kwok node Ready",
          async () =>
            cp()
              .kubectl(["get", "node", FAKE_NODE, "-o", 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'])
              .stdout.trim() === "True",
          { timeoutMs: 60_000, dead: deadOrUndefined(kw), describe: () => tail(kw.log) },
        );
      }
      progress(`control plane ready at ${server}`);
      return cp();
    } catch (err) {
      await stopProcesses(procs, stateDir);
      throw err;
    }
  }

  /** Reattaches to a control plane a previous `bonsai up` left running, to stop it. */
  static async stopStateDir(stateDir: string): Promise<string[]> {
    const procs = readPidFile(stateDir);
    const running = procs.filter(p => isAlive(p.pid) && isOurs(p.pid, stateDir));
    await stopProcesses(procs, stateDir);
    return running.map(p => `${p.name} (pid ${p.pid})`);
  }

  /** Components that died since start, with the tail of their logs. */
  deadComponents(): string[] {
    return this.procs.filter(p => p.exited).map(p => `${p.name} exited (${JSON.stringify(p.exited)}):\n${tail(p.log)}`);
  }

  ready(): Promise<boolean> {
    return respondsOk(`${this.server}/readyz`, {
      ca: readFileSync(this.pki.caCert),
      cert: readFileSync(this.pki.adminCert),
      key: readFileSync(this.pki.adminKey),
    });
  }

  /** Runs the matching kubectl (v1.35) against this control plane. */
  kubectl(args: string[], input?: string, timeoutMs = 120_000): { code: number; stdout: string; stderr: string } {
    const r = spawnSync(this.binaries.kubectl, [`--kubeconfig=${this.kubeconfig}`, ...args], {
      encoding: "utf8",
      input,
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    return {
      code: r.status ?? -1,
      stdout: r.stdout ?? "",
      stderr: (r.stderr ?? "") + (r.error ? String(r.error) : ""),
    };
  }

  async stop(): Promise<void> {
    await stopProcesses(this.procs, this.stateDir);
    writePidFile(this.stateDir, []);
  }

  logsDir(): string {
    return this.stateDir;
  }

  hasState(): boolean {
    return existsSync(join(this.stateDir, "kubeconfig"));
  }
}

function fakeNodeYaml(): string {
  return `apiVersion: v1
kind: Node
metadata:
  name: ${FAKE_NODE}
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: ${FAKE_NODE}
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
status:
  allocatable: { cpu: "16", memory: 32Gi, pods: "110" }
  capacity: { cpu: "16", memory: 32Gi, pods: "110" }
`;
}
