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
  opts: { kube: string[]; source: { checkout: string; commit?: string } },
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

/** The charts/ folder of `commit` (what Flux's artifact holds), or of the checkout when no commit is given. */
function chartTree(source: { checkout: string; commit?: string }): { dir: string; cleanup: () => void } {
  if (!source.commit) return { dir: source.checkout, cleanup: () => {} };
  const dir = mkdtempSync(join(tmpdir(), "bonsai-charts-"));
  const archive = execFileSync("git", ["archive", "--format=tar", source.commit, "charts"], {
    cwd: source.checkout,
    maxBuffer: 256 * 1024 * 1024,
  });
  execFileSync("tar", ["-x", "-C", dir], { input: archive });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The HelmReleases in the cluster (as Flux applied them from git). */
export function clusterHelmReleases(kubectl: Kubectl): KubeObject[] {
  const r = kubectl(["get", "helmreleases.helm.toolkit.fluxcd.io", "-A", "-o", "json"]);
  if (r.code !== 0) throw new Error(`kubectl get helmreleases failed: ${r.stderr.trim()}`);
  return (JSON.parse(r.stdout) as { items: KubeObject[] }).items;
}
