import { Partitioners } from "kafkajs";
import { ConfigError, loadConfig, type Config } from "./config";
import { createPool, isUnavailable } from "./db";
import { buildApp } from "./http/app";
import { createKafka, refreshLag } from "./kafka";
import { jsonLog } from "./log";
import { sleep } from "./time";
import { Metrics } from "./metrics";
import { migrate } from "./migrations";
import { OutboxRelay } from "./outbox-relay";
import { Projector } from "./consumer";
import { readiness } from "./readiness";

const log = jsonLog("backend");

/** `migrate`: what the chart's pre-install/pre-upgrade Job runs, once per release. Waits for the database. */
async function runMigrate(cfg: Config): Promise<void> {
  const pool = createPool(cfg.database);
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await migrate(pool, m => log(m));
        return;
      } catch (err) {
        if (!isUnavailable(err) || attempt >= 30) throw err;
        log("database unavailable; retrying", { attempt, error: (err as Error).message });
        await sleep(2000);
      }
    }
  } finally {
    await pool.end();
  }
}

async function serve(cfg: Config): Promise<void> {
  const pool = createPool(cfg.database);
  const kafka = createKafka(cfg.kafka);
  const admin = kafka.admin();
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const metrics: Metrics = new Metrics(
    pool,
    cfg.database.poolMax,
    (): Promise<void> => refreshLag(admin, metrics, cfg.kafka),
  );
  const relay = new OutboxRelay(pool, producer, cfg.kafka.topic, metrics, cfg.relayIntervalMs, log);
  const projector = new Projector(kafka, pool, cfg, metrics, log);
  let stopping = false;

  const app = buildApp({
    pool,
    metrics,
    bodyLimit: cfg.bodyLimit,
    logLevel: process.env.LOG_LEVEL ?? "info",
    ready: readiness(pool, admin, cfg.kafka.topic, () => stopping),
    published: () => relay.nudge(),
  });

  // Kafka may be down at start: HTTP serves (ready=false) while the admin client and the consumer keep trying.
  const connectAdmin = async () => {
    while (!stopping) {
      try {
        await admin.connect();
        return;
      } catch {
        await sleep(2000);
      }
    }
  };
  const startConsumer = async () => {
    while (!stopping) {
      try {
        await projector.start();
        return;
      } catch (err) {
        log("consumer cannot start; retrying", { error: (err as Error).message });
        await projector.stop().catch(() => undefined);
        await sleep(2000);
      }
    }
  };
  const adminReady = connectAdmin();
  const consumerReady = startConsumer();
  relay.start();
  const address = await app.listen({ host: cfg.host, port: cfg.port });
  log("listening", { address, port: (app.server.address() as { port: number }).port });

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log("shutting down", { signal, delayMs: cfg.shutdownDelayMs });
    const force = setTimeout(() => {
      log("shutdown took too long; exiting");
      process.exit(1);
    }, cfg.shutdownDelayMs + 25_000);
    force.unref();
    // Ready answers 503 from now on; wait for the Service to take the pod out before closing the listener.
    await sleep(cfg.shutdownDelayMs);
    await app.close(); // finishes in-flight requests, refuses new ones
    await relay.stop(); // the round in progress commits or rolls back
    await Promise.allSettled([adminReady, consumerReady]);
    await projector.stop(); // commits the resolved offsets and leaves the group
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await pool.end();
    log("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

async function main(argv: string[]): Promise<void> {
  const command = argv[0] ?? "serve";
  const cfg = loadConfig();
  if (command === "migrate") return runMigrate(cfg);
  if (command === "serve") return serve(cfg);
  throw new ConfigError(`unknown command ${JSON.stringify(command)}: use "serve" (the default) or "migrate"`);
}

main(process.argv.slice(2)).catch(err => {
  const message = err instanceof ConfigError ? err.message : ((err as Error).stack ?? String(err));
  process.stderr.write(`backend: ${message}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
