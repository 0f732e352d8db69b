/**
 * The seed's performance table, measured on this machine with the real programs (test/apps/support/platform.ts):
 *   backend  500-1,000 req/s   autocannon on DB-backed routes through PgBouncer (+ /api/health, the floor)
 *   Kafka    ~2,500 msg/s      kafkajs produce (acks=all) + consume; and the app's relay + consumer pipeline
 *   Postgres 1,000-2,000 TPS   pgbench TPC-B-like, through PgBouncer and direct, alternated in one run
 * Usage: npm run bench:apps [-- --quick]. Writes bench/results/apps.json.
 */
import { Pool } from "pg";
import { loadNow, machineInfo } from "../lib/machine";
import { log, writeResult } from "../lib/results";
import { median } from "../lib/stats";
import { startAppsPlatform } from "../../test/apps/support/platform";
import { createTopic } from "../../test/apps/support/topic";
import { stopAll } from "../../test/support/real/process";
import { http, HttpRun } from "./http";
import { kafkaClient } from "./kafka";
import { PgbenchRun, pgbenchInit, pgbenchRun } from "./pgbench";
import { pipeline } from "./pipeline";
import { withCpu } from "./cpu";

const quick = process.argv.includes("--quick");
const SECONDS = quick ? 5 : 15;
const SEED = { backendReqPerSec: [500, 1000], kafkaMsgPerSec: [2500, 2500], postgresTps: [1000, 2000] };
const times = (v: number, [lo, hi]: number[]) =>
  lo === hi ? `${(v / lo).toFixed(1)}×` : `${(v / hi).toFixed(1)}–${(v / lo).toFixed(1)}×`;

async function main() {
  const loadBefore = loadNow();
  const p = await startAppsPlatform();
  try {
    const env = p.backend.env;
    const pool = new Pool({
      host: env.DATABASE_HOST,
      port: Number(env.DATABASE_PORT),
      user: env.DATABASE_USER,
      password: env.DATABASE_PASSWORD,
      database: env.DATABASE_NAME,
      max: 2,
    });
    const order = JSON.stringify({ customer: "bench", item: "juniper", quantity: 1 });
    const created = (await (
      await fetch(`${p.backend.url}/api/orders`, {
        method: "POST",
        body: order,
        headers: { "content-type": "application/json" },
      })
    ).json()) as { id: string };

    const groups = {
      backend: p.backend.process.pid,
      pgbouncer: p.bouncer.process.pid,
      postgresql: p.pg.process.pid,
      kafka: p.kafka.process.pid,
    };
    const cpu: Record<string, Record<string, number>> = {};
    const measure = async <T>(name: string, work: () => Promise<T> | T): Promise<T> => {
      const { result, cores } = await withCpu(groups, work);
      cpu[name] = cores;
      return result;
    };

    log("HTTP: /api/health (no I/O: the framework's floor), GET and POST /api/orders (PgBouncer)");
    const c = 32;
    const httpRuns: HttpRun[] = [
      await measure("GET /api/health", () =>
        http(`${p.backend.url}/api/health`, "GET /api/health", { connections: c, seconds: SECONDS }),
      ),
      await measure("GET /api/orders/:id", () =>
        http(`${p.backend.url}/api/orders/${created.id}`, "GET /api/orders/:id", { connections: c, seconds: SECONDS }),
      ),
      await measure("POST /api/orders", () =>
        http(`${p.backend.url}/api/orders`, "POST /api/orders", {
          connections: c,
          seconds: SECONDS,
          method: "POST",
          body: order,
        }),
      ),
    ];

    log("Kafka: kafkajs produce + consume on a topic like the declared one");
    const benchTopic = { ...p.topic, topic: "bench.orders" };
    await createTopic(p.kafka.bootstrap, benchTopic);
    const kafka = await measure("kafkajs produce+consume", () =>
      kafkaClient(p.kafka.bootstrap, benchTopic.topic, quick ? 10_000 : 50_000),
    );
    log("Kafka: the app's relay + consumer draining pending outbox events");
    const pipe = await measure("app pipeline", () => pipeline(pool, quick ? 2_000 : 10_000));
    await pool.end();

    log("pgbench: TPC-B-like, scale 10, direct and through PgBouncer, alternated");
    const direct = {
      host: p.pg.host,
      port: p.pg.port,
      user: p.pg.user,
      password: p.pg.password,
      database: p.pg.database,
    };
    const pooled = { ...direct, host: p.bouncer.host, port: p.bouncer.port };
    pgbenchInit(direct, 10);
    const pg: PgbenchRun[] = [];
    for (let round = 0; round < 2; round++)
      for (const [via, t] of [
        ["direct", direct],
        ["pgbouncer", pooled],
      ] as const)
        pg.push(await measure(`pgbench ${via} #${round + 1}`, () => pgbenchRun(via, t, 16, SECONDS)));
    const tps = (via: string) => median(pg.filter(r => r.via === via).map(r => r.tps));

    const read = httpRuns.find(r => r.route === "GET /api/orders/:id")!;
    const write = httpRuns.find(r => r.route === "POST /api/orders")!;
    const table = {
      backendRead: {
        measured: read.reqPerSec,
        seed: SEED.backendReqPerSec,
        multiple: times(read.reqPerSec, SEED.backendReqPerSec),
      },
      backendWrite: {
        measured: write.reqPerSec,
        seed: SEED.backendReqPerSec,
        multiple: times(write.reqPerSec, SEED.backendReqPerSec),
      },
      kafkaProduce: {
        measured: kafka.producedPerSec,
        seed: SEED.kafkaMsgPerSec,
        multiple: times(kafka.producedPerSec, SEED.kafkaMsgPerSec),
      },
      kafkaConsume: {
        measured: kafka.consumedPerSec,
        seed: SEED.kafkaMsgPerSec,
        multiple: times(kafka.consumedPerSec, SEED.kafkaMsgPerSec),
      },
      appPipeline: {
        measured: pipe.projectedPerSec,
        seed: SEED.kafkaMsgPerSec,
        multiple: times(pipe.projectedPerSec, SEED.kafkaMsgPerSec),
      },
      pgbouncerTps: {
        measured: tps("pgbouncer"),
        seed: SEED.postgresTps,
        multiple: times(tps("pgbouncer"), SEED.postgresTps),
      },
      directTps: { measured: tps("direct"), seed: SEED.postgresTps, multiple: times(tps("direct"), SEED.postgresTps) },
    };
    const path = await writeResult("apps", {
      machine: machineInfo(),
      // Load averages before and after: this machine is shared, and every number carries its load.
      load: { before: loadBefore, after: loadNow() },
      quick,
      cpu,
      http: httpRuns,
      kafka,
      pipeline: pipe,
      pgbench: pg,
      table,
    });
    for (const [k, v] of Object.entries(table))
      log(`${k.padEnd(14)} ${String(v.measured).padStart(7)}  seed ${v.seed.join("-")}  ${v.multiple}`);
    log(`results: ${path}`);
  } finally {
    await p.stop();
    await stopAll();
  }
}

main().then(
  () => process.exit(0),
  err => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    void stopAll().finally(() => process.exit(1));
  },
);
