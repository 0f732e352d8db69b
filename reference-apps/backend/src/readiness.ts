import type { Pool } from "pg";
import type { Admin } from "kafkajs";
import type { ReadyReport } from "./http/app";
import { kafkaReady } from "./kafka";
import { SCHEMA_VERSION, schemaVersion } from "./migrations";
import { within } from "./time";

const CHECK_MS = 1500;

async function database(pool: Pool): Promise<{ db: string; schema: string }> {
  try {
    const v = await within(CHECK_MS, "PostgreSQL", schemaVersion(pool));
    const schema =
      v >= SCHEMA_VERSION ? "ok" : `schema version ${v}, this release needs ${SCHEMA_VERSION}: run the migrate Job`;
    return { db: "ok", schema };
  } catch (err) {
    return { db: `PgBouncer/PostgreSQL: ${(err as Error).message}`, schema: "unknown" };
  }
}

/**
 * Ready = this pod should get traffic: PgBouncer answers a query, the schema is migrated, Kafka answers and has
 * the topic, and the process is not shutting down. Both checks run at once and are bounded, so the probe
 * answers within ~1.5 s even with both down.
 */
export function readiness(pool: Pool, admin: Admin, topic: string, stopping: () => boolean) {
  return async (): Promise<ReadyReport> => {
    if (stopping()) return { ready: false, checks: { process: "shutting down" } };
    const [db, kafka] = await Promise.all([database(pool), kafkaReady(admin, topic, CHECK_MS)]);
    const checks = { database: db.db, schema: db.schema, kafka: kafka ?? "ok" };
    return { ready: Object.values(checks).every(v => v === "ok"), checks };
  };
}
