/**
 * At most one denial Event per object and message within a window. A controller retrying a refused pod
 * (a ReplicaSet does, every few seconds) or a flood of identical requests would otherwise write an Event per
 * request: load on the API server that tells the reader nothing new. The Kubernetes event recorder
 * aggregates for the same reason.
 */
export class EventThrottle {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly windowMs = 60_000,
    private readonly maxKeys = 10_000,
  ) {}

  /** True when an Event for this key should be written now; records the time when it is. */
  admit(key: string, now = Date.now()): boolean {
    const seen = this.last.get(key);
    if (seen !== undefined && now - seen < this.windowMs) return false;
    if (this.last.size >= this.maxKeys) this.prune(now);
    this.last.set(key, now);
    return true;
  }

  get size(): number {
    return this.last.size;
  }

  // Expired keys first; if every key is still fresh, the oldest half goes (Map keeps insertion order).
  private prune(now: number): void {
    for (const [key, at] of this.last) if (now - at >= this.windowMs) this.last.delete(key);
    if (this.last.size < this.maxKeys) return;
    let drop = Math.ceil(this.last.size / 2);
    for (const key of this.last.keys()) {
      if (drop-- <= 0) break;
      this.last.delete(key);
    }
  }
}

/** The throttle key of a denial Event: where it is shown and what it says. */
export function eventKey(event: {
  metadata: { namespace: string };
  involvedObject: { kind?: string; name?: string; uid?: string };
  message: string;
}): string {
  const o = event.involvedObject;
  return `${event.metadata.namespace}/${o.kind ?? ""}/${o.name ?? ""}/${o.uid ?? ""}\n${event.message}`;
}
