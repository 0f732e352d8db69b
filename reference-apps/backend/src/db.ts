import { Pool, PoolClient } from "pg";
import type { Config } from "./config";

/**
 * The pool talks to PgBouncer in transaction pooling mode: consecutive transactions of one client may run on
 * different server connections. So nothing here relies on session state: no named prepared statements (pg's
 * parameterised queries use the unnamed statement, which PgBouncer 1.18 passes through within a transaction),
 * no SET (only SET LOCAL inside a transaction), no LISTEN, no session advisory locks, no startup `options`.
 */
export function createPool(db: Config["database"]): Pool {
  const pool = new Pool({
    host: db.host,
    port: db.port,
    user: db.user,
    password: db.password,
    database: db.database,
    max: db.poolMax,
    connectionTimeoutMillis: db.connectTimeoutMs,
    query_timeout: db.queryTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: "bonsai-backend",
  });
  // An idle client whose server went away (PgBouncer restarted) emits here; without a listener the process dies.
  pool.on("error", () => undefined);
  return pool;
}

/** Runs `work` in one transaction on one connection, as PgBouncer's transaction mode expects. */
export async function inTransaction<T>(pool: Pool, work: (c: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  // pg emits `error` on a checked-out client whose server goes away (PgBouncer restarted mid-transaction) and
  // pg-pool listens only on idle ones: without this listener the process dies. The pending query fails anyway.
  const onError = () => (broken = true);
  client.on("error", onError);
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (err) {
    broken = broken || isUnavailable(err);
    if (!broken) await client.query("ROLLBACK").catch(() => (broken = true));
    throw err;
  } finally {
    client.off("error", onError);
    // A connection that failed mid-transaction is thrown away rather than handed to the next request.
    client.release(broken);
  }
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
]);
const UNAVAILABLE_MESSAGES = [
  "timeout exceeded when trying to connect",
  "Connection terminated",
  "Query read timeout",
  "Client has encountered a connection error",
  "server conn crashed",
  "no more connections allowed",
  "query_wait_timeout",
  "pgbouncer cannot connect to server",
];

function code(err: unknown): string {
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === "string" ? c : "";
}

/**
 * The database (PgBouncer or PostgreSQL behind it) cannot be reached or is shutting down: the request is
 * answered 503 and the consumer retries later. Never a reason to park a message.
 */
export function isUnavailable(err: unknown): boolean {
  const c = code(err);
  if (NETWORK_CODES.has(c)) return true;
  // SQLSTATE classes: 08 connection exception, 53 insufficient resources, 57P0x shutdown, 58 system error.
  if (/^(08|53|58)/.test(c) || /^57P0[1-3]$/.test(c)) return true;
  const message = err instanceof Error ? err.message : String(err);
  return UNAVAILABLE_MESSAGES.some(m => message.includes(m));
}

/** The data itself is wrong (SQLSTATE class 22 data exception, 23 integrity violation): retrying cannot help. */
export function isDataError(err: unknown): boolean {
  return /^(22|23)/.test(code(err));
}
