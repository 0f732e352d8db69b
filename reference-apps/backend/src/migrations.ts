import type { Pool } from "pg";
import { inTransaction } from "./db";

/** Ordered, append-only: a released migration is never edited, a change is a new entry. */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: "orders, outbox, projection, dead letters",
    sql: `
      CREATE TABLE orders (
        id uuid PRIMARY KEY,
        customer text NOT NULL,
        item text NOT NULL,
        quantity integer NOT NULL CHECK (quantity > 0),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      -- Written in the same transaction as the order; the relay publishes it and stamps published_at.
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        aggregate_id uuid NOT NULL,
        event_type text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      );
      CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
      CREATE INDEX outbox_aggregate ON outbox (aggregate_id);
      CREATE INDEX orders_recent ON orders (created_at DESC);
      -- What the consumer group builds from the events; last_event_id makes a replayed event a no-op.
      CREATE TABLE order_projection (
        -- An event for an order that does not exist violates this and is parked (a poison message).
        order_id uuid PRIMARY KEY REFERENCES orders (id),
        status text NOT NULL,
        item text NOT NULL,
        quantity integer NOT NULL,
        last_event_id bigint NOT NULL,
        events_applied integer NOT NULL DEFAULT 1,
        kafka_partition integer NOT NULL,
        kafka_offset bigint NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now()
      );
      -- Messages that cannot be processed: kept with the reason, the partition moves on.
      CREATE TABLE dead_letters (
        topic text NOT NULL,
        kafka_partition integer NOT NULL,
        kafka_offset bigint NOT NULL,
        message_key text,
        payload bytea,
        reason text NOT NULL,
        parked_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (topic, kafka_partition, kafka_offset)
      );`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

// Any constant works as long as every release uses the same one; this is "bonsai-m" in ASCII.
const MIGRATION_LOCK = 0x626f6e736169;

/**
 * Applies the pending migrations, each in its own transaction. The lock is transaction-scoped
 * (pg_advisory_xact_lock), because a session lock would be held by whichever server connection PgBouncer
 * happened to pick and never released for us; two migrate Jobs racing therefore run one after the other, and
 * the second finds nothing left to do.
 */
export async function migrate(pool: Pool, log: (m: string) => void): Promise<number[]> {
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    const done = await inTransaction(pool, async c => {
      await c.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      await c.query(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
      );
      const seen = await c.query("SELECT 1 FROM schema_migrations WHERE version = $1", [m.version]);
      if (seen.rowCount) return false;
      await c.query(m.sql);
      await c.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
      return true;
    });
    if (done) {
      applied.push(m.version);
      log(`applied migration ${m.version}: ${m.name}`);
    }
  }
  if (!applied.length) log(`schema is at version ${SCHEMA_VERSION}; nothing to apply`);
  return applied;
}

/** The schema version the database has, or 0 before the first migration. */
export async function schemaVersion(pool: Pool): Promise<number> {
  try {
    const r = await pool.query<{ v: number | null }>("SELECT max(version) AS v FROM schema_migrations");
    return Number(r.rows[0]?.v ?? 0);
  } catch (err) {
    // 42P01 undefined_table: the migrate Job has not run yet.
    if ((err as { code?: string }).code === "42P01") return 0;
    throw err;
  }
}
