import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../../capabilities/k8s/object";
import { localChartRelease } from "../../lib/render/helm-release";
import { helmUpgradeInstall } from "../../tools/helm";
import type { Kubectl } from "./apply-layers";

const REPO_ROOT = join(__dirname, "..", "..");

export interface InstalledRelease {
  helmRelease: string;
  release: string;
  namespace: string;
}

/**
 * Installs each HelmRelease of our own chart with real Helm, exactly as helm-controller would: the chart from
 * `source` (the pushed commit, or the checkout), the HelmRelease's values, its release name and namespace, the
 * release stored in the HelmRelease's namespace, and helm-controller's origin labels on every object. A later
 * helm-controller finds the release in storage and takes it over with an upgrade instead of refusing it.
 * HelmReleases of charts from Helm repositories are named in `skipped`: nothing here can fetch them.
 */
export function installHelmReleases(
  helmReleases: KubeObject[],
  opts: { kube: string[]; source: ChartSource },
): { installed: InstalledRelease[]; skipped: string[] } {
  const installed: InstalledRelease[] = [];
  const skipped: string[] = [];
  const charts = chartTree(opts.source);
  try {
    for (const hr of helmReleases) {
      const id = `${hr.metadata?.namespace}/${hr.metadata?.name}`;
      const local = localChartRelease(hr);
      if (!local) {
        skipped.push(`HelmRelease ${id}: its chart is not in this repository`);
        continue;
      }
      helmUpgradeInstall(join(charts.dir, local.chartPath), {
        release: local.release,
        namespace: local.namespace,
        values: local.values,
        kube: opts.kube,
        postRenderer: {
          command: [
            process.execPath,
            "--require",
            require.resolve("tsx/cjs", { paths: [REPO_ROOT] }),
            join(REPO_ROOT, "tools", "flux", "helm-origin-labels.ts"),
          ],
          env: {
            BONSAI_HELMRELEASE_NAME: String(hr.metadata?.name),
            BONSAI_HELMRELEASE_NAMESPACE: String(hr.metadata?.namespace),
          },
        },
      });
      installed.push({ helmRelease: id, release: local.release, namespace: local.namespace });
    }
  } finally {
    charts.cleanup();
  }
  return { installed, skipped };
}

/** Where the chart comes from: a checkout as it is, or one commit of a repository (`gitDir`: a bare one too). */
export type ChartSource = { checkout: string; commit?: undefined } | { gitDir: string; commit: string };

/** The charts/ folder of `commit` (what Flux's artifact holds), or of the checkout when no commit is given. */
function chartTree(source: ChartSource): { dir: string; cleanup: () => void } {
  if (!("gitDir" in source)) return { dir: source.checkout, cleanup: () => {} };
  const dir = mkdtempSync(join(tmpdir(), "bonsai-charts-"));
  const archive = execFileSync(
    "git",
    [`--git-dir=${source.gitDir}`, "archive", "--format=tar", source.commit, "charts"],
    {
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  execFileSync("tar", ["-x", "-C", dir], { input: archive });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The HelmReleases in the cluster (as Flux applied them from git). */
export function clusterHelmReleases(kubectl: Kubectl): KubeObject[] {
  const r = kubectl(["get", "helmreleases.helm.toolkit.fluxcd.io", "-A", "-o", "json"]);
  if (r.code !== 0) throw new Error(`kubectl get helmreleases failed: ${r.stderr.trim()}`);
  return (JSON.parse(r.stdout) as { items: KubeObject[] }).items;
}

/**
 * helm-controller's part where it cannot run (the embedded plane): every HelmRelease whose generation was not yet
 * released is installed with real Helm from the commit Flux's GitRepository holds, then its status says so the way
 * helm-controller reports it (Ready, observedGeneration), which is what kustomize-controller's health check of
 * the apps layer waits for. A failed install is reported as Ready=False with Helm's message.
 */
export function releasePendingHelmReleases(kubectl: Kubectl, opts: { kube: string[]; gitDir: string }): string[] {
  const done: string[] = [];
  const revision = kubectl([
    "get",
    "gitrepository",
    "flux-system",
    "-n",
    "flux-system",
    "-o",
    "jsonpath={.status.artifact.revision}",
  ]).stdout;
  const commit = revision.split(":").pop();
  if (!commit) return done;
  for (const hr of clusterHelmReleases(kubectl)) {
    const meta = hr.metadata as { name: string; namespace: string; generation?: number };
    const status = (hr as { status?: { observedGeneration?: number; lastAttemptedRevision?: string } }).status;
    if (status?.observedGeneration === meta.generation && status?.lastAttemptedRevision === revision) continue;
    let condition: Record<string, string>;
    try {
      const r = installHelmReleases([hr], { kube: opts.kube, source: { gitDir: opts.gitDir, commit } });
      if (!r.installed.length) continue;
      condition = {
        status: "True",
        reason: "UpgradeSucceeded",
        message: `Helm upgrade --install succeeded for release ${r.installed[0].namespace}/${r.installed[0].release} (by bonsai up: helm-controller cannot run on the embedded plane)`,
      };
      done.push(`${meta.namespace}/${meta.name}`);
    } catch (err) {
      condition = { status: "False", reason: "InstallFailed", message: (err as Error).message.slice(0, 2000) };
    }
    const now = new Date().toISOString();
    kubectl([
      "patch",
      "helmrelease",
      meta.name,
      "-n",
      meta.namespace,
      "--subresource=status",
      "--type=merge",
      "-p",
      JSON.stringify({
        status: {
          observedGeneration: meta.generation,
          lastAttemptedRevision: revision,
          conditions: [{ type: "Ready", lastTransitionTime: now, observedGeneration: meta.generation, ...condition }],
        },
      }),
    ]);
  }
  return done;
}
