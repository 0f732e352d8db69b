import type { Pool } from "pg";
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from "kafkajs";
import type { Config } from "./config";
import { isDataError, isUnavailable } from "./db";
import { parseEvent } from "./events";
import type { Log } from "./log";
import { sleep } from "./time";
import type { Metrics } from "./metrics";
import { applyEvent, applyEvents, park, type Position } from "./projection";

type Outcome = "applied" | "duplicate" | "parked" | "stopped";

/**
 * The consumer group that builds order_projection from the topic. Offsets are resolved one message at a time
 * and committed after each batch (and on stop), so a crash replays at most one batch, which applyEvent absorbs.
 *
 * What happens to a message that cannot be processed:
 * - malformed (not JSON, wrong shape, too big, no value): parked at once;
 * - a data error from the database (SQLSTATE 22/23, e.g. an event for an unknown order): parked at once;
 * - any other error: retried, and parked after CONSUMER_MAX_ATTEMPTS;
 * - the database unavailable: waited out without counting attempts (an outage is not the message's fault, and
 *   parking would lose the event); the group's heartbeat keeps the partition assigned meanwhile.
 * So a poison message costs at most a few retries and the partition moves on.
 */
export class Projector {
  private consumer: Consumer | null = null;
  private running = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly pool: Pool,
    private readonly cfg: Config,
    private readonly metrics: Metrics,
    private readonly log: Log,
  ) {}

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.cfg.kafka.groupId,
      // Short enough that after a broker restart the group re-forms in seconds, not half a minute.
      sessionTimeout: 10_000,
      rebalanceTimeout: 10_000,
      heartbeatInterval: 2000,
      retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 3000 },
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    this.running = true;
    await consumer.connect();
    await consumer.subscribe({ topic: this.cfg.kafka.topic, fromBeginning: true });
    await consumer.run({
      eachBatchAutoResolve: false,
      autoCommit: true,
      partitionsConsumedConcurrently: 3,
      eachBatch: p => this.batch(p),
    });
  }

  /** Stops fetching, lets the message in hand finish, commits what was resolved, leaves the group. */
  async stop(): Promise<void> {
    this.running = false;
    await this.consumer?.disconnect();
  }

  private async batch(p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    if (await this.wholeBatch(p)) return;
    for (const message of batch.messages) {
      if (!p.isRunning() || p.isStale()) break;
      const at = { topic: batch.topic, partition: batch.partition, offset: message.offset };
      const outcome = await this.handle(at, message, p.heartbeat);
      if (outcome === "stopped") break;
      this.metrics.consumed.inc({ result: outcome });
      p.resolveOffset(message.offset);
      await p.heartbeat();
    }
    await p.commitOffsetsIfNecessary();
  }

  /**
   * The fast path: every message well-formed and the whole batch applied in one statement. Anything else (a
   * malformed message, any database error) returns false, and the batch is handled message by message, where
   * each problem is classified, retried or parked on its own.
   */
  private async wholeBatch(p: EachBatchPayload): Promise<boolean> {
    const { batch } = p;
    if (batch.messages.length < 2) return false;
    const events = [];
    for (const m of batch.messages) {
      const parsed = parseEvent(m.value);
      if (!parsed.ok) return false;
      events.push({ e: parsed.event, at: { topic: batch.topic, partition: batch.partition, offset: m.offset } });
    }
    try {
      const applied = await applyEvents(this.pool, events);
      this.metrics.consumed.inc({ result: "applied" }, applied);
      this.metrics.consumed.inc({ result: "duplicate" }, events.length - applied);
    } catch {
      return false;
    }
    p.resolveOffset(batch.messages[batch.messages.length - 1].offset);
    await p.heartbeat();
    await p.commitOffsetsIfNecessary();
    return true;
  }

  private async handle(at: Position, m: KafkaMessage, heartbeat: () => Promise<void>): Promise<Outcome> {
    const parsed = parseEvent(m.value);
    if (!parsed.ok) return this.park(at, m, "malformed", parsed.reason, heartbeat);
    let attempts = 0;
    for (;;) {
      try {
        return (await applyEvent(this.pool, parsed.event, at)) ? "applied" : "duplicate";
      } catch (err) {
        if (!this.running) return "stopped";
        if (isUnavailable(err)) {
          this.metrics.consumerRetries.inc();
          await this.wait(heartbeat);
          continue;
        }
        attempts += 1;
        const reason = `${(err as Error).message} (attempt ${attempts})`;
        if (isDataError(err)) return this.park(at, m, "rejected", reason, heartbeat);
        if (attempts >= this.cfg.maxAttempts) return this.park(at, m, "failing", reason, heartbeat);
        await this.wait(heartbeat);
      }
    }
  }

  private async park(
    at: Position,
    m: KafkaMessage,
    kind: string,
    reason: string,
    heartbeat: () => Promise<void>,
  ): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        await park(this.pool, at, m.key, m.value, reason);
        this.metrics.parked.inc({ kind });
        this.log("parked a message", { ...at, kind, reason });
        return "parked";
      } catch (err) {
        // Parking needs the database too: wait for it rather than skip the message unrecorded.
        if (!this.running) return "stopped";
        this.metrics.consumerRetries.inc();
        if (!isUnavailable(err)) {
          this.log("cannot park a message", { ...at, attempt, error: (err as Error).message });
          // Not even its record can be stored: counted and logged (with its position) so the partition moves on.
          if (attempt >= this.cfg.maxAttempts) {
            this.metrics.parked.inc({ kind: "unrecordable" });
            return "parked";
          }
        }
        await this.wait(heartbeat);
      }
    }
  }

  private async wait(heartbeat: () => Promise<void>): Promise<void> {
    await sleep(1000);
    await heartbeat().catch(() => undefined);
  }
}
