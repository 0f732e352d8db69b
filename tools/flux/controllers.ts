import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { buildWrapper } from "../controlplane/binaries";
import type { ControlPlane } from "../controlplane/controlplane";
import { respondsOk } from "../controlplane/probe";
import {
  deadProcesses,
  exitReport,
  freePort,
  startProcess,
  Started,
  stopProcesses,
  stopRecordedProcesses,
  tail,
  waitFor,
  writePidFile,
} from "../controlplane/processes";
import { fluxCrdFiles, KUSTOMIZE_CONTROLLER, SOURCE_CONTROLLER } from "../flux-crds";
import { FLUX_NAMESPACE } from "./sync";

type Progress = (message: string) => void;

const MODULES = join(__dirname);

/**
 * source-controller and kustomize-controller, built from the Go module proxy through the wrapper modules in
 * tools/flux/ (their go.mod files carry replace directives, so `go install` refuses them) and cached under
 * ~/.cache/bonsai/<name>-<version>/ with a marker written last.
 */
export function ensureFluxControllers(progress: Progress = () => {}): { source: string; kustomize: string } {
  const build = (name: string, version: string) =>
    join(
      buildWrapper({
        name: `${name}-${version}`,
        moduleDir: join(MODULES, name),
        packages: [`github.com/fluxcd/${name}`],
        ldflags: "-s -w",
        progress,
      }),
      name,
    );
  return {
    source: build("source-controller", SOURCE_CONTROLLER),
    kustomize: build("kustomize-controller", KUSTOMIZE_CONTROLLER),
  };
}

/**
 * What `flux install` grants: kustomize-controller reconciles with cluster-admin (Flux's cluster-reconciler
 * binding); source-controller only reads its sources and their Secrets and writes their status and events.
 */
function rbacObjects(): object[] {
  const sa = (name: string) => ({
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name, namespace: FLUX_NAMESPACE, labels: { "app.kubernetes.io/part-of": "flux" } },
  });
  const binding = (name: string, role: string, sa: string) => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name, labels: { "app.kubernetes.io/part-of": "flux" } },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: [{ kind: "ServiceAccount", name: sa, namespace: FLUX_NAMESPACE }],
  });
  return [
    sa("source-controller"),
    sa("kustomize-controller"),
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "bonsai-flux-source-controller", labels: { "app.kubernetes.io/part-of": "flux" } },
      rules: [
        { apiGroups: ["source.toolkit.fluxcd.io"], resources: ["*"], verbs: ["*"] },
        { apiGroups: [""], resources: ["secrets", "configmaps", "serviceaccounts"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create", "patch"] },
        { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["*"] },
      ],
    },
    binding("bonsai-flux-source-controller", "bonsai-flux-source-controller", "source-controller"),
    binding("bonsai-flux-cluster-reconciler", "cluster-admin", "kustomize-controller"),
  ];
}

/** A kubeconfig for one controller's ServiceAccount: it acts as itself, as in the cluster, not as our admin. */
function serviceAccountKubeconfig(cp: ControlPlane, name: string, file: string): void {
  const token = cp.kubectl(["create", "token", name, "-n", FLUX_NAMESPACE, "--duration=8760h"]);
  if (token.code !== 0) throw new Error(`creating a token for ${FLUX_NAMESPACE}/${name} failed: ${token.stderr}`);
  const admin = JSON.parse(cp.kubectl(["config", "view", "--raw", "-o", "json"]).stdout) as {
    clusters: { cluster: Record<string, string> }[];
  };
  const cluster = admin.clusters[0].cluster;
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "bonsai", cluster }],
    users: [{ name, user: { token: token.stdout.trim() } }],
    contexts: [{ name, context: { cluster: "bonsai", user: name } }],
    "current-context": name,
  };
  writeFileSync(file, stringify(config), { mode: 0o600 });
}

export interface FluxControllersOptions {
  /** Where their kubeconfigs, artifact storage, logs and PID file go (a folder of its own). */
  stateDir: string;
  detach?: boolean;
  progress?: Progress;
  /** kustomize-controller's --requeue-dependency (Flux: 30s); tests shorten it. */
  requeueDependency?: string;
}

/**
 * The real Flux controllers as local processes against a control plane of ours: KUBECONFIG in their
 * environment (they have no --kubeconfig flag), the artifact server on 127.0.0.1 with a free port as both its
 * storage and advertised address, their own metrics and health ports, no leader election, all namespaces.
 */
export class FluxControllers {
  private constructor(
    readonly stateDir: string,
    readonly storageAddress: string,
    private readonly procs: Started[],
  ) {}

  static async start(cp: ControlPlane, opts: FluxControllersOptions): Promise<FluxControllers> {
    const progress = opts.progress ?? (() => {});
    const dir = opts.stateDir;
    mkdirSync(join(dir, "storage"), { recursive: true });
    const bins = ensureFluxControllers(progress);
    const ns = cp.kubectl(["create", "namespace", FLUX_NAMESPACE]);
    if (ns.code !== 0 && !/AlreadyExists/.test(ns.stderr)) throw new Error(`creating ${FLUX_NAMESPACE}: ${ns.stderr}`);
    for (const file of fluxCrdFiles()) {
      const crd = cp.kubectl(["apply", "--server-side", "-f", file]);
      if (crd.code !== 0) throw new Error(`applying ${file} failed: ${crd.stderr}`);
    }
    cp.kubectl(["wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"]);
    const rbac = cp.kubectl(
      ["apply", "-f", "-"],
      rbacObjects()
        .map(o => stringify(o))
        .join("---\n"),
    );
    if (rbac.code !== 0) throw new Error(`applying the Flux controllers' RBAC failed: ${rbac.stderr}`);
    const [storage, scMetrics, scHealth, kcMetrics, kcHealth] = await Promise.all(Array.from({ length: 5 }, freePort));
    const procs: Started[] = [];
    const started = new FluxControllers(dir, `127.0.0.1:${storage}`, procs);
    const common = ["--log-level=info", "--log-encoding=json", "--watch-all-namespaces=true"];
    const run = (name: string, bin: string, args: string[]) => {
      const kubeconfig = join(dir, `${name}.kubeconfig`);
      serviceAccountKubeconfig(cp, name, kubeconfig);
      const env = { KUBECONFIG: kubeconfig, RUNTIME_NAMESPACE: FLUX_NAMESPACE };
      const p = startProcess(name, bin, [...common, ...args], dir, { env, detach: opts.detach });
      procs.push(p);
      writePidFile(dir, procs);
      return p;
    };
    try {
      progress("starting source-controller and kustomize-controller (Flux v1.9.6, built from Go modules)");
      const sc = run("source-controller", bins.source, [
        `--storage-path=${join(dir, "storage")}`,
        `--storage-addr=127.0.0.1:${storage}`,
        `--storage-adv-addr=127.0.0.1:${storage}`,
        `--metrics-addr=127.0.0.1:${scMetrics}`,
        `--health-addr=127.0.0.1:${scHealth}`,
      ]);
      const kc = run("kustomize-controller", bins.kustomize, [
        `--metrics-addr=127.0.0.1:${kcMetrics}`,
        `--health-addr=127.0.0.1:${kcHealth}`,
        `--requeue-dependency=${opts.requeueDependency ?? "30s"}`,
        "--no-remote-bases=true",
        // No flag of kustomize-controller takes a path: this positional argument (ignored by it) puts the state
        // folder on its command line, which is how `bonsai down` tells our process from a reused PID (isOurs).
        "--",
        dir,
      ]);
      for (const [p, port] of [
        [sc, scHealth],
        [kc, kcHealth],
      ] as const)
        await waitFor(p.name, () => respondsOk(`http://127.0.0.1:${port}/readyz`), {
          timeoutMs: 60_000,
          dead: () => exitReport(p),
          describe: () => tail(p.log),
        });
      return started;
    } catch (err) {
      await stopProcesses(procs, dir);
      throw err;
    }
  }

  /** Stops the controllers a previous `bonsai up` left running in `stateDir`, by their recorded PIDs. */
  static async stopStateDir(stateDir: string): Promise<string[]> {
    return stopRecordedProcesses(stateDir);
  }

  /** Controllers that died since start, with their log tails. */
  deadComponents(): string[] {
    return deadProcesses(this.procs);
  }

  logTail(name: "source-controller" | "kustomize-controller", lines = 40): string {
    return tail(join(this.stateDir, `${name}.log`), lines);
  }

  pids(): number[] {
    return this.procs.map(p => p.pid);
  }

  async stop(): Promise<void> {
    await stopProcesses(this.procs, this.stateDir);
    writePidFile(this.stateDir, []);
  }

  /** The log as text, for a test's failure message. */
  log(name: string): string {
    try {
      return readFileSync(join(this.stateDir, `${name}.log`), "utf8");
    } catch {
      return "";
    }
  }
}
