import { sleep } from "../controlplane/processes";
import { FLUX_NAMESPACE, SYNC_NAME } from "./sync";

export type Kubectl = (args: string[], input?: string) => { code: number; stdout: string; stderr: string };

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

interface FluxObject {
  metadata: { name: string; namespace?: string };
  spec?: { dependsOn?: { name: string }[] };
  status?: { conditions?: Condition[]; lastAppliedRevision?: string; lastAttemptedRevision?: string };
}

export interface LayerStatus {
  name: string;
  /** "True" once the controller applied the wanted revision and the objects are healthy. */
  ready: "True" | "False" | "Unknown";
  reason: string;
  /** The controller's own message (a Bonsai denial when the guardrails refused an object). */
  message: string;
  appliedRevision?: string;
  attemptedRevision?: string;
  dependsOn: string[];
}

function readyOf(o: FluxObject): Condition | undefined {
  return o.status?.conditions?.find(c => c.type === "Ready");
}

function list(kubectl: Kubectl, kind: string): FluxObject[] {
  const r = kubectl(["get", kind, "-n", FLUX_NAMESPACE, "-o", "json"]);
  if (r.code !== 0) throw new Error(`kubectl get ${kind} -n ${FLUX_NAMESPACE} failed: ${r.stderr.trim()}`);
  return (JSON.parse(r.stdout) as { items: FluxObject[] }).items;
}

export function layerStatuses(kubectl: Kubectl): LayerStatus[] {
  return list(kubectl, "kustomizations.kustomize.toolkit.fluxcd.io").map(o => {
    const c = readyOf(o);
    return {
      name: o.metadata.name,
      ready: (c?.status as LayerStatus["ready"]) ?? "Unknown",
      reason: c?.reason ?? "",
      message: c?.message ?? "",
      appliedRevision: o.status?.lastAppliedRevision,
      attemptedRevision: o.status?.lastAttemptedRevision,
      dependsOn: (o.spec?.dependsOn ?? []).map(d => d.name),
    };
  });
}

export function sourceStatus(
  kubectl: Kubectl,
  name = SYNC_NAME,
): { ready: string; message: string; revision?: string } {
  const r = kubectl(["get", "gitrepositories.source.toolkit.fluxcd.io", name, "-n", FLUX_NAMESPACE, "-o", "json"]);
  if (r.code !== 0) return { ready: "Unknown", message: r.stderr.trim() };
  const o = JSON.parse(r.stdout) as FluxObject & { status?: { artifact?: { revision?: string } } };
  const c = readyOf(o);
  return { ready: c?.status ?? "Unknown", message: c?.message ?? "", revision: o.status?.artifact?.revision };
}

/** What `flux reconcile source git` does: ask for a reconcile now instead of at the next interval. */
export function requestReconcile(kubectl: Kubectl, kind: string, name: string): void {
  kubectl([
    "annotate",
    "--overwrite",
    kind,
    name,
    "-n",
    FLUX_NAMESPACE,
    `reconcile.fluxcd.io/requestedAt=${new Date().toISOString()}`,
  ]);
}

const atRevision = (rev: string | undefined, commit: string) => !!rev && rev.endsWith(commit);

/**
 * A layer is settled when the controller is done with `commit`: Ready at it, or failed at it (its message
 * is the answer), or waiting on a dependency that itself failed (it cannot move until that one heals).
 */
function settled(l: LayerStatus, byName: Map<string, LayerStatus>, commit: string, seen = new Set<string>()): boolean {
  if (l.ready === "True") return atRevision(l.appliedRevision, commit);
  if (l.reason === "DependencyNotReady") {
    if (seen.has(l.name)) return true;
    seen.add(l.name);
    return l.dependsOn.some(d => {
      const dep = byName.get(d);
      return !dep || (dep.ready !== "True" && settled(dep, byName, commit, seen));
    });
  }
  // A webhook that cannot be called (the guardrails restarting) is retried by Flux: not an answer yet.
  if (TRANSIENT.test(l.message)) return false;
  return l.ready === "False" && atRevision(l.attemptedRevision, commit) && l.reason !== "Progressing";
}

const TRANSIENT = /failed calling webhook "[^"]*": failed to call webhook/;

export interface WaitResult {
  layers: LayerStatus[];
  source: { ready: string; message: string; revision?: string };
  /** Every expected layer Ready at the commit. */
  ok: boolean;
  timedOut: boolean;
}

/**
 * Waits until every Kustomization in flux-system has settled on `commit` (see `settled`), or the source
 * itself fails, or `timeoutMs` passes; never hangs, always returns the last statuses seen.
 */
export async function waitForLayers(
  kubectl: Kubectl,
  opts: { commit: string; expect: string[]; timeoutMs: number; pollMs?: number; sourceGraceMs?: number },
): Promise<WaitResult> {
  const deadline = Date.now() + opts.timeoutMs;
  let sourceFailingSince: number | undefined;
  for (;;) {
    const layers = layerStatuses(kubectl);
    const source = sourceStatus(kubectl);
    const byName = new Map(layers.map(l => [l.name, l]));
    const complete = opts.expect.every(n => byName.has(n));
    const ok =
      complete &&
      opts.expect.every(n => byName.get(n)?.ready === "True" && settled(byName.get(n)!, byName, opts.commit));
    const allSettled = complete && layers.every(l => settled(l, byName, opts.commit));
    // A source that cannot fetch the commit (unreachable, wrong branch) leaves every layer at its old revision:
    // once it has kept failing for a while, its message is the answer.
    if (source.ready === "False" && !atRevision(source.revision, opts.commit)) sourceFailingSince ??= Date.now();
    else sourceFailingSince = undefined;
    const sourceFailed =
      sourceFailingSince !== undefined && Date.now() - sourceFailingSince > (opts.sourceGraceMs ?? 10_000);
    const timedOut = Date.now() > deadline;
    if (ok || allSettled || sourceFailed || timedOut)
      return { layers, source, ok, timedOut: !ok && !allSettled && !sourceFailed && timedOut };
    await sleep(opts.pollMs ?? 500);
  }
}
