import type { Pool } from "pg";
import type { Producer } from "kafkajs";
import { inTransaction } from "./db";
import type { Log } from "./log";
import type { Metrics } from "./metrics";

/** Rows published per round: one producer.send, one UPDATE. */
export const RELAY_BATCH = 500;

interface OutboxRow {
  id: string;
  aggregate_id: string;
  payload: Record<string, unknown>;
}

/**
 * Publishes the outbox to Kafka. An event is marked published only after Kafka acknowledged it with acks=all,
 * inside the transaction that holds its row lock: if Kafka is down the send fails, the transaction rolls back
 * and the rows stay pending for the next round, so no event is lost (at-least-once: a crash between Kafka's
 * acknowledgement and the COMMIT publishes again, and the consumer's last_event_id check absorbs that).
 * FOR UPDATE SKIP LOCKED lets several replicas relay at once without publishing the same rows twice.
 */
export class OutboxRelay {
  private stopped = false;
  private wake: (() => void) | null = null;
  private nudged = false;
  private loop: Promise<void> | null = null;
  private connected = false;
  private failing = false;

  constructor(
    private readonly pool: Pool,
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly metrics: Metrics,
    private readonly intervalMs: number,
    private readonly log: Log,
  ) {
    producer.on(producer.events.DISCONNECT, () => (this.connected = false));
  }

  start(): void {
    this.loop = this.run();
  }

  /** A new order was committed: publish it now instead of at the next interval. */
  nudge(): void {
    this.nudged = true;
    // While Kafka is down the relay keeps its backoff; new rows simply wait with the others.
    if (!this.failing) this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    let backoff = this.intervalMs;
    while (!this.stopped) {
      let published = 0;
      try {
        published = await this.round();
        backoff = this.intervalMs;
        if (this.failing) this.log("outbox relay publishing again");
        this.failing = false;
      } catch (err) {
        this.metrics.publishFailures.inc();
        if (!this.failing)
          this.log("outbox relay cannot publish; events stay pending", { error: (err as Error).message });
        this.failing = true;
        backoff = Math.min(backoff * 2, 5000);
        await this.countPending();
      }
      if (published < RELAY_BATCH && !this.stopped) await this.pause(this.failing ? backoff : this.intervalMs);
    }
  }

  private pause(ms: number): Promise<void> {
    // A nudge that came while the last round ran: that round may have missed the new row.
    if (this.nudged && !this.failing) {
      this.nudged = false;
      return Promise.resolve();
    }
    return new Promise(resolve => {
      let timer: NodeJS.Timeout | undefined = undefined;
      const done = () => {
        clearTimeout(timer);
        this.nudged = false;
        this.wake = null;
        resolve();
      };
      timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  /** One batch: lock pending rows, send them in id order (per key order is kept), mark them, commit. */
  async round(): Promise<number> {
    if (!this.connected) {
      await this.producer.connect();
      this.connected = true;
    }
    const n = await inTransaction(this.pool, async c => {
      const rows = await c.query<OutboxRow>(
        "SELECT id, aggregate_id, payload FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
        [RELAY_BATCH],
      );
      if (rows.rowCount === 0) return 0;
      await this.producer.send({
        topic: this.topic,
        acks: -1,
        messages: rows.rows.map(r => ({
          key: r.aggregate_id,
          value: JSON.stringify({ ...r.payload, eventId: String(r.id) }),
          headers: { "event-type": "OrderCreated" },
        })),
      });
      await c.query("UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])", [rows.rows.map(r => r.id)]);
      return rows.rows.length;
    });
    this.metrics.published.inc(n);
    if (n < RELAY_BATCH) this.metrics.outboxPending.set(0);
    else await this.countPending();
    return n;
  }

  private async countPending(): Promise<void> {
    try {
      const r = await this.pool.query<{ n: string }>("SELECT count(*) AS n FROM outbox WHERE published_at IS NULL");
      this.metrics.outboxPending.set(Number(r.rows[0].n));
    } catch {
      // The database is unavailable too: keep the last value.
    }
  }
}
