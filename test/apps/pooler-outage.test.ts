// The backend's transaction helper against a real PgBouncer (apps/infra/pgbouncer) in front of a real PostgreSQL
// (apps/infra/postgresql), both from the tree's manifests: when the pooler goes away while a transaction holds a
// connection (the outbox relay waiting on Kafka's acks, a request in flight), the transaction fails with an
// "unavailable" error the callers retry or answer 503 — and the process lives on. pg emits `error` on a checked-out
// client whose socket ends; pg-pool only listens on idle ones, so without a listener of ours Node exits.
import { randomBytes } from "node:crypto";
import { createPool, inTransaction, isUnavailable } from "../../reference-apps/backend/src/db";
import { renderApp } from "../support/real/manifests";
import { PgBouncer, startPgBouncer } from "../support/real/pgbouncer";
import { Postgres, startPostgres } from "../support/real/postgres";
import { stopAll } from "../support/real/process";
import { ServiceMap } from "../support/real/services";
import { sleep } from "../../tools/controlplane/processes";

jest.setTimeout(180_000);

let pg: Postgres;
let bouncer: PgBouncer;

beforeAll(async () => {
  const objects = [...renderApp("apps/infra/postgresql"), ...renderApp("apps/infra/pgbouncer")];
  const password = randomBytes(18).toString("base64url");
  const secrets = { "postgresql-credentials": { password } };
  const services = new ServiceMap(objects);
  pg = await startPostgres({ objects, secrets });
  services.register("postgresql-primary", "infra", 5432, { host: pg.host, port: pg.port });
  bouncer = await startPgBouncer({ objects, secrets, services });
}, 600_000);

afterAll(async () => {
  await bouncer?.stop();
  await pg?.stop();
  await stopAll();
});

test("the pooler stops mid-transaction: the transaction fails as unavailable, the process does not crash", async () => {
  const pool = createPool({
    host: bouncer.host,
    port: bouncer.port,
    user: pg.user,
    password: pg.password,
    database: pg.database,
    poolMax: 2,
    connectTimeoutMs: 2000,
    queryTimeoutMs: 5000,
  });
  // Jest turns an uncaught exception into this test's failure; recording it as well names the cause.
  const uncaught: Error[] = [];
  const record = (err: Error) => uncaught.push(err);
  process.on("uncaughtException", record);
  try {
    expect(await inTransaction(pool, c => c.query("SELECT 1 AS one").then(r => r.rows[0].one))).toBe(1);
    const failed = await inTransaction(pool, async c => {
      await c.query("SELECT 1");
      // Between two statements of the transaction, as the relay is while Kafka acknowledges.
      await bouncer.stop();
      await sleep(500);
      return c.query("SELECT 2");
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failed).toBeInstanceOf(Error);
    expect(isUnavailable(failed)).toBe(true);
    await sleep(200);
    expect(uncaught).toEqual([]);
    // The broken connection was not handed back: the pool is empty, the next transaction fails fast, cleanly.
    expect(pool.totalCount).toBe(0);
    const next = await inTransaction(pool, c => c.query("SELECT 1")).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isUnavailable(next)).toBe(true);
  } finally {
    process.off("uncaughtException", record);
    await pool.end();
  }
});
