/**
 * The backend's settings, all from the environment (the chart sets them; the Secret holds the password).
 * Every value is checked here, once, so a bad setting stops the process at start with the variable's name and
 * the fix, instead of surfacing later as a confusing connection error.
 */
export interface Config {
  host: string;
  port: number;
  database: {
    host: string;
    port: number;
    user: string;
    password: string;
    database: string;
    /** Client-side pool size: PgBouncer multiplexes these onto its own small server pool. */
    poolMax: number;
    /** How long a request waits for a pool connection before it is answered 503. */
    connectTimeoutMs: number;
    /** Client-side limit on one query (statement_timeout cannot be sent through PgBouncer as a startup parameter). */
    queryTimeoutMs: number;
  };
  kafka: {
    brokers: string[];
    clientId: string;
    topic: string;
    groupId: string;
  };
  /** Largest request body accepted, in bytes; larger ones get 413. */
  bodyLimit: number;
  /** After SIGTERM, keep serving (answering ready=false) this long so the Service stops sending traffic first. */
  shutdownDelayMs: number;
  /** A message that keeps failing for a data reason is parked after this many attempts. */
  maxAttempts: number;
  relayIntervalMs: number;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function text(env: Env, name: string, fallback?: string): string {
  const v = env[name] ?? fallback;
  if (v === undefined || v === "")
    throw new ConfigError(`${name} is not set: set it in the environment (chart value env.${name})`);
  return v;
}

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^[0-9]{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max)
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not a whole number between ${min} and ${max}`);
  return Number(raw);
}

function brokers(raw: string): string[] {
  const list = raw.split(",").map(s => s.trim());
  for (const b of list)
    if (!/^[A-Za-z0-9.-]{1,253}:[0-9]{1,5}$/.test(b))
      throw new ConfigError(
        `KAFKA_BROKERS entry ${JSON.stringify(b)} is not host:port (e.g. kafka.infra.svc.cluster.local:9092)`,
      );
  return list;
}

export function loadConfig(env: Env = process.env): Config {
  return {
    host: text(env, "HOST", "0.0.0.0"),
    port: int(env, "PORT", 8080, 0, 65535),
    database: {
      host: text(env, "DATABASE_HOST", "postgresql.infra.svc.cluster.local"),
      port: int(env, "DATABASE_PORT", 5432, 1, 65535),
      user: text(env, "DATABASE_USER", "bonsai"),
      password: text(env, "DATABASE_PASSWORD"),
      database: text(env, "DATABASE_NAME", "bonsai"),
      poolMax: int(env, "DATABASE_POOL_MAX", 10, 1, 200),
      connectTimeoutMs: int(env, "DATABASE_CONNECT_TIMEOUT_MS", 2000, 100, 60_000),
      queryTimeoutMs: int(env, "DATABASE_QUERY_TIMEOUT_MS", 5000, 100, 600_000),
    },
    kafka: {
      brokers: brokers(text(env, "KAFKA_BROKERS", "kafka.infra.svc.cluster.local:9092")),
      clientId: text(env, "KAFKA_CLIENT_ID", "bonsai-backend"),
      topic: text(env, "KAFKA_TOPIC", "orders.events"),
      groupId: text(env, "KAFKA_GROUP_ID", "orders-projector"),
    },
    bodyLimit: int(env, "BODY_LIMIT_BYTES", 16 * 1024, 256, 1024 * 1024),
    shutdownDelayMs: int(env, "SHUTDOWN_DELAY_MS", 0, 0, 60_000),
    maxAttempts: int(env, "CONSUMER_MAX_ATTEMPTS", 5, 1, 100),
    relayIntervalMs: int(env, "OUTBOX_RELAY_INTERVAL_MS", 500, 10, 60_000),
  };
}
