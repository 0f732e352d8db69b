import { moduleOverlay } from "../../lib/render";
import { kustomizeBuild } from "../../tools/kustomize";
import type { Kubectl } from "./apply-layers";

/**
 * After `npx pepr deploy`: the cluster's settings of the module (clusters/overlays/<cluster>/pepr-module,
 * lib/render/module-overlay.ts) — each Deployment patch applied as a strategic merge (replicas, spread, the quota
 * size), then the objects beside them (the disruption budget), then the rollouts waited for, so that what answers
 * admission afterwards is the patched module. Nothing for a cluster without the folder. Notes back.
 */
export function applyModuleOverlay(
  kubectl: Kubectl,
  repoRoot: string,
  cluster: string,
  say: (m: string) => void,
  // Below the 120 s the embedded plane gives one kubectl call.
  timeoutSeconds = 100,
): string[] {
  const overlay = moduleOverlay(repoRoot, cluster);
  if (!overlay) return [];
  const must = (what: string, r: { code: number; stderr: string }) => {
    if (r.code !== 0) throw new Error(`${what} failed: ${r.stderr.trim()}`);
  };
  for (const p of overlay.patches) {
    say(`patching deployment ${p.name} with ${p.file}`);
    const ns = String(p.body.metadata?.namespace);
    must(
      `kubectl patch deployment ${p.name} (${p.file})`,
      kubectl(["patch", "deployment", p.name, "-n", ns, "--type", "strategic", "--patch", JSON.stringify(p.body)]),
    );
  }
  must(`kubectl apply -k ${overlay.dir}`, kubectl(["apply", "--server-side", "-f", "-"], kustomizeBuild(overlay.dir)));
  for (const p of overlay.patches) {
    const ns = String(p.body.metadata?.namespace);
    must(
      `kubectl rollout status deployment/${p.name}`,
      kubectl(["rollout", "status", "-n", ns, `deployment/${p.name}`, `--timeout=${timeoutSeconds}s`]),
    );
  }
  return [
    `guardrails module set for ${cluster}: ${overlay.patches.map(p => p.file).join(", ")} patched in, ` +
      `quota size ${overlay.quotaSize}`,
  ];
}
