import { stringify } from "yaml";
import type { ControlPlane } from "../../tools/controlplane/controlplane";
import { sleep } from "../../tools/controlplane/processes";

interface Claim {
  metadata: { name: string; namespace: string };
  spec: {
    storageClassName?: string;
    accessModes?: string[];
    resources?: { requests?: { storage?: string } };
    volumeName?: string;
  };
  status?: { phase?: string };
}

/**
 * The embedded control plane has no storage provisioner (k3s ships local-path; kwok runs no containers),
 * so pending claims would keep StatefulSet pods unschedulable. This stands in for the provisioner: one
 * PersistentVolume per pending claim, of the claim's class, size and access modes, pre-bound to it.
 * The volumes are never mounted; they exist so the scheduler and the quota see what k3s would have.
 */
export async function provisionPendingClaims(cp: ControlPlane, timeoutMs = 60_000): Promise<string[]> {
  const created: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = cp.kubectl(["get", "pvc", "-A", "-o", "json"]);
    const claims = (JSON.parse(r.stdout || '{"items":[]}') as { items: Claim[] }).items;
    const pending = claims.filter(c => c.status?.phase !== "Bound" && !c.spec.volumeName);
    for (const c of pending) {
      const name = `bonsai-${c.metadata.namespace}-${c.metadata.name}`.slice(0, 63);
      if (created.includes(name)) continue;
      const pv = {
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name, labels: { "app.kubernetes.io/managed-by": "bonsai-up" } },
        spec: {
          capacity: { storage: c.spec.resources?.requests?.storage ?? "1Gi" },
          accessModes: c.spec.accessModes ?? ["ReadWriteOnce"],
          storageClassName: c.spec.storageClassName ?? "",
          persistentVolumeReclaimPolicy: "Delete",
          claimRef: { namespace: c.metadata.namespace, name: c.metadata.name },
          hostPath: { path: `/var/lib/bonsai-embedded/${c.metadata.namespace}/${c.metadata.name}` },
        },
      };
      const applied = cp.kubectl(["apply", "-f", "-"], stringify(pv));
      if (applied.code !== 0)
        throw new Error(
          `creating ${name} for claim ${c.metadata.namespace}/${c.metadata.name} failed: ${applied.stderr}`,
        );
      created.push(name);
    }
    if (!pending.length || Date.now() > deadline) return created;
    await sleep(1000);
  }
}
