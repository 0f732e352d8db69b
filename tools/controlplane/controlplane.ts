import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureEtcd, ensureKubeBinaries, ensureKwok, KubeBinaries } from "./binaries";
import { ComponentNetwork, loopbackNetwork, namespaceNetwork } from "./cluster-network";
import { startApiserver, StartContext, startControllers, startEtcd, startKwok, startLocalKubelet } from "./components";
import { KubeApi } from "./kube-api";
import { CommandResult, commandResult } from "../command-result";
import { createPki, kubeconfigYaml, Pki } from "./pki";
import { respondsOk } from "./probe";
import {
  deadProcesses,
  isAlive,
  isOurs,
  readPidFile,
  startProcess,
  Started,
  stopProcesses,
  stopRecordedProcesses,
  writePidFile,
} from "./processes";

export { FAKE_NODE, fakeNodeNames } from "./components";

export type Progress = (message: string) => void;

export interface ControlPlaneOptions {
  /** Where certificates, data, logs, the kubeconfig and the PID file go. */
  stateDir: string;
  /** Start kwok and register fake nodes (default true). */
  kwok?: boolean;
  /** How many kwok nodes to register (default 1): kwok-node-0, kwok-node-1, … (the multi-node overlay uses 3). */
  kwokNodes?: number;
  /** Keep the processes running after this Node process exits (`bonsai up`). */
  detach?: boolean;
  /**
   * `loopback` (default): every component on the machine's 127.0.0.1 with free ports. `namespace`: in a
   * network namespace of its own, reached through a relay on 127.0.0.1 (cluster-network.ts), so webhooks
   * behind a Service and pods with their own addresses work as in a cluster.
   */
  network?: "loopback" | "namespace";
  /** Namespaces whose pods kwok leaves alone, because a local kubelet runs them (pod-runner.ts). */
  localPodNamespaces?: string[];
  /** Extra kube-apiserver flags. */
  apiserverFlags?: string[];
  /** Record every request of these users' groups (e.g. a namespace's ServiceAccounts) in <stateDir>/audit.log. */
  auditGroups?: string[];
  progress?: Progress;
}

/**
 * etcd + kube-apiserver + kube-controller-manager + kube-scheduler (+ kwok with one fake node), built from Go
 * modules, with a throw-away CA, on 127.0.0.1 or in a network namespace of its own. Tests and `bonsai up` use it.
 */
export class ControlPlane {
  private constructor(
    readonly stateDir: string,
    /** The API server as this machine reaches it (127.0.0.1). */
    readonly server: string,
    readonly kubeconfig: string,
    /** The admin kubeconfig for processes inside the control plane's network (the same file on loopback). */
    readonly internalKubeconfig: string,
    readonly binaries: KubeBinaries,
    readonly pki: Pki,
    private readonly procs: Started[],
    readonly network: ComponentNetwork,
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
    const detach = !!opts.detach;
    const track = (s: Started) => {
      procs.push(s);
      writePidFile(stateDir, procs);
      return s;
    };
    try {
      const network: ComponentNetwork =
        opts.network === "namespace" ? await namespaceNetwork(stateDir, detach) : await loopbackNetwork();
      if (network.anchor) track(network.anchor);
      if (network.kind === "namespace") progress("control plane in its own network namespace");
      const start = (name: string, command: string, args: string[]) => {
        const wrapped = network.wrap(command, args);
        return track(startProcess(name, wrapped.command, wrapped.args, stateDir, { detach }));
      };
      const server = `https://127.0.0.1:${network.hostPort(network.ports.apiserver)}`;
      const kubeconfig = join(stateDir, "kubeconfig");
      // Components inside the network dial the API server there; the machine dials it through the relay.
      const internalKubeconfig = network.kind === "namespace" ? join(stateDir, "kubeconfig.internal") : kubeconfig;
      const cp = new ControlPlane(stateDir, server, kubeconfig, internalKubeconfig, binaries, pki, procs, network);
      const ctx: StartContext = { cp, network, pki, stateDir, start, progress };
      await startEtcd(ctx, etcdBin);
      await startApiserver(ctx, [...auditFlags(stateDir, opts.auditGroups ?? []), ...(opts.apiserverFlags ?? [])]);
      writeFileSync(kubeconfig, kubeconfigYaml(server, pki), { mode: 0o600 });
      writeFileSync(internalKubeconfig, kubeconfigYaml(`https://127.0.0.1:${network.ports.apiserver}`, pki), {
        mode: 0o600,
      });
      await startControllers(ctx);
      if (kwok) await startKwok(ctx, kwok, opts.localPodNamespaces ?? [], opts.kwokNodes);
      if (opts.localPodNamespaces?.length) startLocalKubelet(ctx, opts.localPodNamespaces);
      progress(`control plane ready at ${server}`);
      return cp;
    } catch (err) {
      await stopProcesses(procs, stateDir);
      throw err;
    }
  }

  /** Reattaches to a control plane a previous `bonsai up` left running, to stop it. */
  static async stopStateDir(stateDir: string): Promise<string[]> {
    return stopRecordedProcesses(stateDir);
  }

  /** Components that died since start, with the tail of their logs. */
  deadComponents(): string[] {
    return deadProcesses(this.procs);
  }

  ready(): Promise<boolean> {
    return respondsOk(`${this.server}/readyz`, {
      ca: readFileSync(this.pki.caCert),
      cert: readFileSync(this.pki.adminCert),
      key: readFileSync(this.pki.adminKey),
    });
  }

  /** A JSON client with the admin certificate, for callers that make many requests (no kubectl per call). */
  api(): KubeApi {
    return new KubeApi(this.server, {
      caCert: this.pki.caCert,
      clientCert: this.pki.adminCert,
      clientKey: this.pki.adminKey,
    });
  }

  /** Runs the matching kubectl (v1.35) against this control plane. */
  kubectl(args: string[], input?: string, timeoutMs = 120_000): CommandResult {
    return commandResult(
      spawnSync(this.binaries.kubectl, [`--kubeconfig=${this.kubeconfig}`, ...args], {
        encoding: "utf8",
        input,
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
      }),
    );
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

/**
 * API server audit of the given groups only, at Metadata level (who did what to which object, and the answer's
 * status): the tests read it to show what the module did under its own ServiceAccount, and what it was refused.
 */
function auditFlags(stateDir: string, groups: string[]): string[] {
  if (!groups.length) return [];
  const policy = join(stateDir, "audit-policy.yaml");
  writeFileSync(
    policy,
    [
      "apiVersion: audit.k8s.io/v1",
      "kind: Policy",
      "omitStages: [RequestReceived]",
      "rules:",
      "  - level: Metadata",
      `    userGroups: ${JSON.stringify(groups)}`,
      "  - level: None",
      "",
    ].join("\n"),
  );
  return [`--audit-policy-file=${policy}`, `--audit-log-path=${join(stateDir, "audit.log")}`, "--audit-log-maxsize=50"];
}
