import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { goInstallCached } from "./cache";

/** The newest Helm 3 whose go.mod the installed Go (1.26) accepts; built once from the module proxy. */
export const HELM_VERSION = "v3.19.2";

export function helmBinary(): string {
  return goInstallCached({ name: "helm", version: HELM_VERSION, pkg: "helm.sh/helm/v3/cmd/helm" });
}

function helm(args: string[], env: Record<string, string> = {}): string {
  try {
    return execFileSync(helmBinary(), args, {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
      // No repositories, no registry, no cache under $HOME: a chart of ours renders offline.
      env: {
        ...process.env,
        ...env,
        HELM_CACHE_HOME: join(tmpdir(), "bonsai-helm-cache"),
        HELM_CONFIG_HOME: join(tmpdir(), "bonsai-helm-config"),
      },
    });
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`helm ${args[0]} failed: ${(e.stderr || e.stdout || e.message).trim()}`);
  }
}

function withValues<T>(values: Record<string, unknown>, run: (file: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "bonsai-values-"));
  const file = join(dir, "values.yaml");
  writeFileSync(file, stringify(values));
  try {
    return run(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `helm template` with the release's values, as helm-controller would install the chart. */
export function helmTemplate(
  chartDir: string,
  opts: { release: string; namespace: string; values?: Record<string, unknown> },
): string {
  return withValues(opts.values ?? {}, file =>
    helm([
      "template",
      opts.release,
      chartDir,
      "--namespace",
      opts.namespace,
      "--values",
      file,
      "--kube-version",
      "1.35.0",
    ]),
  );
}

/** `helm lint --strict`; throws with helm's findings when the chart has any error or warning. */
export function helmLint(chartDir: string, values: Record<string, unknown> = {}): string {
  return withValues(values, file => helm(["lint", "--strict", chartDir, "--values", file]));
}

/**
 * `helm upgrade --install` of a local chart into a cluster (`kube`: --kubeconfig and/or --kube-context), with a
 * post-renderer command (`postRenderer[0]` the executable, the rest its arguments) and its environment.
 */
export function helmUpgradeInstall(
  chartDir: string,
  opts: {
    release: string;
    namespace: string;
    values: Record<string, unknown>;
    kube: string[];
    labels?: Record<string, string>;
    postRenderer?: { command: string[]; env: Record<string, string> };
  },
): string {
  const post = opts.postRenderer
    ? [
        "--post-renderer",
        opts.postRenderer.command[0],
        ...opts.postRenderer.command.slice(1).flatMap(a => ["--post-renderer-args", a]),
      ]
    : [];
  const labels = Object.entries(opts.labels ?? {}).map(([k, v]) => `${k}=${v}`);
  return withValues(opts.values, file =>
    helm(
      [
        "upgrade",
        "--install",
        opts.release,
        chartDir,
        "--namespace",
        opts.namespace,
        "--values",
        file,
        ...(labels.length ? ["--labels", labels.join(",")] : []),
        ...post,
        ...opts.kube,
      ],
      opts.postRenderer?.env,
    ),
  );
}
