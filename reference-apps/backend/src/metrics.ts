import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Pool } from "pg";

/** Everything /metrics shows; one registry per process (tests start several apps in one Jest worker). */
export class Metrics {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request latency by route template (unknown routes share the label 'unmatched')",
    labelNames: ["method", "route", "status_code"] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly httpErrors = new Counter({
    name: "http_request_errors_total",
    help: "HTTP responses with status >= 400, by route template and class (client = 4xx, server = 5xx)",
    labelNames: ["method", "route", "status_code", "class"] as const,
    registers: [this.registry],
  });

  readonly published = new Counter({
    name: "orders_outbox_published_total",
    help: "Outbox events Kafka acknowledged (acks=all) and the relay marked published",
    registers: [this.registry],
  });

  readonly publishFailures = new Counter({
    name: "orders_outbox_publish_failures_total",
    help: "Relay rounds that could not publish (Kafka or the database unavailable); the events stay pending",
    registers: [this.registry],
  });

  readonly outboxPending = new Gauge({
    name: "orders_outbox_pending",
    help: "Outbox events not yet acknowledged by Kafka, as of the relay's last round",
    registers: [this.registry],
  });

  readonly consumed = new Counter({
    name: "orders_consumer_messages_total",
    help: "Messages the consumer group finished with: applied, duplicate (already applied: idempotent no-op) or parked",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });

  readonly parked = new Counter({
    name: "orders_dead_letters_total",
    help: "Poison messages parked in the dead_letters table (the partition moves on), by kind of problem",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });

  readonly consumerRetries = new Counter({
    name: "orders_consumer_retries_total",
    help: "Times the consumer waited and retried a message because the database was unavailable",
    registers: [this.registry],
  });

  readonly lag = new Gauge({
    name: "kafka_consumer_group_lag",
    help: "Messages not yet committed by the consumer group, per partition (high watermark - committed offset)",
    labelNames: ["group", "topic", "partition"] as const,
    registers: [this.registry],
  });

  constructor(pool: Pool, poolMax: number, lag: () => Promise<void>) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: "db_pool_connections",
      help: "Client-side pool connections to PgBouncer by state (total, idle, waiting requests) and the pool's max",
      labelNames: ["state"] as const,
      registers: [this.registry],
      collect() {
        this.set({ state: "total" }, pool.totalCount);
        this.set({ state: "idle" }, pool.idleCount);
        this.set({ state: "waiting" }, pool.waitingCount);
        this.set({ state: "max" }, poolMax);
      },
    });
    // The lag gauge is refreshed before each scrape is rendered (see render()).
    this.refreshLag = lag;
  }

  private readonly refreshLag: () => Promise<void>;

  async render(): Promise<string> {
    // A slow or absent broker must not hang the scrape: the last known lag is shown instead.
    await Promise.race([this.refreshLag().catch(() => undefined), new Promise(r => setTimeout(r, 2000).unref())]);
    return this.registry.metrics();
  }
}
