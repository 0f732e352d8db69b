import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheRoot, goInstallCached, goModDownload, requireGo } from "../cache";

export const KUBERNETES_VERSION = "v1.35.4";
export const ETCD_VERSION = "v3.6.16";
export const KWOK_VERSION = "v0.7.0";

const REPO_TOOLS = join(__dirname, "..");

export interface KubeBinaries {
  kubeApiserver: string;
  kubeControllerManager: string;
  kubeScheduler: string;
  kubectl: string;
}

type Progress = (message: string) => void;

/**
 * Builds the commands of one wrapper module into ~/.cache/bonsai/<name>/ unless they are there already.
 * A marker written last makes an interrupted build start over instead of leaving half a set.
 */
export function buildWrapper(opts: {
  name: string;
  moduleDir: string;
  packages: string[];
  ldflags?: string;
  progress: Progress;
  /** How long a cold build takes, for the progress line; defaults to Kubernetes' figure. */
  estimate?: string;
}): string {
  const dir = join(cacheRoot(), opts.name);
  const marker = join(dir, ".complete");
  if (existsSync(marker)) return dir;
  requireGo();
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const started = Date.now();
  opts.progress(
    `building ${opts.name} from the Go module proxy (first run only; ${opts.estimate ?? "Kubernetes takes 7-20 minutes on 2 cores"})…`,
  );
  try {
    execFileSync(
      "go",
      ["build", "-trimpath", ...(opts.ldflags ? ["-ldflags", opts.ldflags] : []), "-o", tmp + "/", ...opts.packages],
      {
        cwd: opts.moduleDir,
        env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-mod=mod" },
        stdio: ["ignore", "pipe", "pipe"],
        maxBuffer: 64 * 1024 * 1024,
      },
    );
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(
      `building ${opts.name} failed (is the Go module proxy reachable? GOPROXY=${process.env.GOPROXY ?? "default"}):\n` +
        (e.stderr?.toString().trim().split("\n").slice(-20).join("\n") ?? e.message),
    );
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  writeFileSync(marker, JSON.stringify({ packages: opts.packages, seconds: (Date.now() - started) / 1000 }) + "\n");
  opts.progress(`built ${opts.name} in ${Math.round((Date.now() - started) / 1000)} s`);
  return dir;
}

/** `--version` must say v1.35.4 (kubectl and kwok compare it), so the version variables are stamped. */
function kubeLdflags(): string {
  const [major, minor] = KUBERNETES_VERSION.slice(1).split(".");
  const date = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const vars: Record<string, string> = {
    gitVersion: KUBERNETES_VERSION,
    gitMajor: major,
    gitMinor: minor,
    gitTreeState: "clean",
    gitCommit: "0000000000000000000000000000000000000000",
    buildDate: date,
  };
  return ["-s", "-w"]
    .concat(
      ...["k8s.io/component-base/version", "k8s.io/client-go/pkg/version"].map(pkg =>
        Object.entries(vars).map(([k, v]) => `-X ${pkg}.${k}=${v}`),
      ),
    )
    .join(" ");
}

export function ensureKubeBinaries(progress: Progress = () => {}): KubeBinaries {
  const dir = buildWrapper({
    name: `kube-${KUBERNETES_VERSION}`,
    moduleDir: join(REPO_TOOLS, "kube"),
    packages: [
      "k8s.io/kubernetes/cmd/kube-apiserver",
      "k8s.io/kubernetes/cmd/kube-controller-manager",
      "k8s.io/kubernetes/cmd/kube-scheduler",
      "k8s.io/kubernetes/cmd/kubectl",
    ],
    ldflags: kubeLdflags(),
    progress,
  });
  return {
    kubeApiserver: join(dir, "kube-apiserver"),
    kubeControllerManager: join(dir, "kube-controller-manager"),
    kubeScheduler: join(dir, "kube-scheduler"),
    kubectl: join(dir, "kubectl"),
  };
}

export function ensureEtcd(progress: Progress = () => {}): string {
  const dir = buildWrapper({
    name: `etcd-${ETCD_VERSION}`,
    moduleDir: join(REPO_TOOLS, "etcd"),
    packages: ["go.etcd.io/etcd/server/v3"],
    ldflags: "-s -w",
    progress,
  });
  // go names the binary after the package path without its /v3 suffix: "server".
  const etcd = join(dir, "etcd");
  for (const built of ["server", "v3"].map(n => join(dir, n)))
    if (existsSync(built) && !existsSync(etcd)) renameSync(built, etcd);
  return etcd;
}

/** kwok and the stage definitions it needs (standalone kwok has none built in). */
export function ensureKwok(progress: Progress = () => {}): { kwok: string; stagesFile: string } {
  const kwok = goInstallCached({ name: "kwok", version: KWOK_VERSION, pkg: "sigs.k8s.io/kwok/cmd/kwok" });
  const stagesFile = join(cacheRoot(), "bin", `kwok-${KWOK_VERSION}`, "stages.yaml");
  if (!existsSync(stagesFile)) {
    progress("collecting kwok stage definitions");
    const root = join(goModDownload("sigs.k8s.io/kwok", KWOK_VERSION), "kustomize", "stage");
    const files = [
      "node/fast/node-initialize.yaml",
      "node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
      "pod/fast/pod-ready.yaml",
      "pod/fast/pod-complete.yaml",
      "pod/fast/pod-delete.yaml",
    ];
    writeFileSync(stagesFile, files.map(f => readFileSync(join(root, f), "utf8").trim()).join("\n---\n") + "\n");
  }
  return { kwok, stagesFile };
}
