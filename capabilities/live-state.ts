import { a, K8s, Log } from "pepr";
import type { KubernetesObject } from "@kubernetes/client-node";
import { buildContext } from "./engine/context";
import type { KubeObject } from "./k8s/object";
import type { PolicyContext } from "./engine/policy";
import { ExemptionKind } from "./kinds/exemption";

/**
 * A list of cluster objects the admission path needs (LimitRanges, Exemptions), refreshed in the
 * background. Pepr runs watches in a separate watcher pod, so admission pods keep their own copy:
 * a request never waits for the API server once a first list has arrived; until then it waits at
 * most `firstLoadTimeoutMs`, so a missing API server degrades to "no exemptions", never to a hang.
 */
export class RefreshingList {
  #items: KubeObject[] = [];
  #loadedAt = 0;
  #inflight: Promise<void> | undefined;

  constructor(
    private readonly name: string,
    private readonly load: () => Promise<KubeObject[]>,
    private readonly ttlMs = 5_000,
    private readonly firstLoadTimeoutMs = 2_000,
  ) {}

  /**
   * `maxAgeMs`: wait (at most firstLoadTimeoutMs, and at most `waitMs`: what is left of the request's time budget)
   * for a list no older than this, instead of serving a stale one.
   * A caller that asks for it also starts a background reload once the list is half that old, so that a stream
   * of such callers (denials, re-judged on fresh lists) finds a fresh list ready instead of each second's first
   * one waiting for the API server behind every queued request.
   */
  async items(maxAgeMs?: number, waitMs = this.firstLoadTimeoutMs): Promise<KubeObject[]> {
    const age = Date.now() - this.#loadedAt;
    const stale = age > this.ttlMs || (maxAgeMs !== undefined && age > maxAgeMs / 2);
    if (stale && !this.#inflight) this.#inflight = this.refresh();
    if ((!this.#loadedAt || (maxAgeMs !== undefined && age > maxAgeMs)) && this.#inflight) {
      await Promise.race([
        this.#inflight,
        new Promise(resolve => setTimeout(resolve, Math.min(waitMs, this.firstLoadTimeoutMs)).unref()),
      ]);
    }
    return this.#items;
  }

  private async refresh(): Promise<void> {
    try {
      this.#items = await this.load();
      this.#loadedAt = Date.now();
    } catch (err) {
      Log.warn({ err: (err as Error).message }, `bonsai: could not list ${this.name}; using the last known list`);
    } finally {
      this.#inflight = undefined;
    }
  }
}

const asObjects = (list: { items: KubernetesObject[] }) => list.items as unknown as KubeObject[];

const limitRanges = new RefreshingList("LimitRanges", async () => asObjects(await K8s(a.LimitRange).Get()));
const exemptions = new RefreshingList("Exemptions", async () => asObjects(await K8s(ExemptionKind).Get()));

let cached: { lr: KubeObject[]; ex: KubeObject[]; ctx: PolicyContext } | undefined;

/**
 * The admission context: restricted, judged after mutation, with the cluster's LimitRanges and Exemptions.
 * Rebuilt only when a list was refreshed (the lists are replaced, never mutated), not on every request.
 */
export async function admissionContext(opts: { maxAgeMs?: number; waitMs?: number } = {}): Promise<PolicyContext> {
  const [lr, ex] = await Promise.all([
    limitRanges.items(opts.maxAgeMs, opts.waitMs),
    exemptions.items(opts.maxAgeMs, opts.waitMs),
  ]);
  if (cached?.lr !== lr || cached.ex !== ex) {
    cached = { lr, ex, ctx: buildContext({ level: "restricted", mutate: true, limitRanges: lr, exemptions: ex }) };
  }
  return cached.ctx;
}
