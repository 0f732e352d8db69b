/**
 * The configuration edoburu/pgbouncer's entrypoint (tag v1.24.1-p1, entrypoint.sh) writes from its
 * environment, as data: the `[databases]` entry from DB_HOST/DB_PORT/DB_USER/DB_NAME, the `[pgbouncer]`
 * settings in the entrypoint's order and defaults, and the userlist line (the password in clear text for
 * AUTH_TYPE plain and scram-sha-256, md5(password + user) otherwise). Facts from the entrypoint; code is ours.
 *
 *   const cfg = pgbouncerConfigFromEnv(env);     // throws on a variable the entrypoint does not read
 *   writeFileSync(ini, renderPgbouncerIni(cfg)); writeFileSync(userlist, cfg.userlist);
 *
 * DATABASE_URL(S) and ADMIN_/STATS_ passwords are parsed by the image with sed; the tree uses none of them,
 * so they are refused here rather than half-implemented.
 */
import { createHash } from "node:crypto";

export const PGBOUNCER_CONFIG_DIR = "/etc/pgbouncer";

/** Optional settings: written as `key = value` only when the variable is non-empty, in the entrypoint's order. */
const OPTIONAL_SETTINGS: [env: string, key: string, after: string][] = [
  ["AUTH_HBA_FILE", "auth_hba_file", "auth_file"],
  ["AUTH_USER", "auth_user", "auth_type"],
  ["AUTH_QUERY", "auth_query", "auth_type"],
  ["AUTH_DBNAME", "auth_dbname", "auth_type"],
  ...(
    [
      "POOL_MODE",
      "MAX_CLIENT_CONN",
      "POOL_SIZE",
      "DEFAULT_POOL_SIZE",
      "MIN_POOL_SIZE",
      "RESERVE_POOL_SIZE",
      "RESERVE_POOL_TIMEOUT",
      "MAX_DB_CONNECTIONS",
      "MAX_USER_CONNECTIONS",
      "SERVER_ROUND_ROBIN",
    ] as const
  ).map(e => [e, e.toLowerCase(), "auth_type"] as [string, string, string]),
  ...[
    "DISABLE_PQEXEC",
    "APPLICATION_NAME_ADD_HOST",
    "TIMEZONE",
    "MAX_PREPARED_STATEMENTS",
    "LOG_CONNECTIONS",
    "LOG_DISCONNECTIONS",
    "LOG_POOLER_ERRORS",
    "LOG_STATS",
    "STATS_PERIOD",
    "VERBOSE",
  ].map(e => [e, e.toLowerCase(), "ignore_startup_parameters"] as [string, string, string]),
  ["STATS_USERS", "stats_users", "admin_users"],
  ...[
    "SERVER_RESET_QUERY",
    "SERVER_RESET_QUERY_ALWAYS",
    "SERVER_CHECK_DELAY",
    "SERVER_CHECK_QUERY",
    "SERVER_LIFETIME",
    "SERVER_IDLE_TIMEOUT",
    "SERVER_CONNECT_TIMEOUT",
    "SERVER_LOGIN_RETRY",
    "CLIENT_LOGIN_TIMEOUT",
    "AUTODB_IDLE_TIMEOUT",
    "DNS_MAX_TTL",
    "DNS_NXDOMAIN_TTL",
    "CLIENT_TLS_SSLMODE",
    "CLIENT_TLS_KEY_FILE",
    "CLIENT_TLS_CERT_FILE",
    "CLIENT_TLS_CA_FILE",
    "CLIENT_TLS_PROTOCOLS",
    "CLIENT_TLS_CIPHERS",
    "CLIENT_TLS_ECDHCURVE",
    "CLIENT_TLS_DHEPARAMS",
    "SERVER_TLS_SSLMODE",
    "SERVER_TLS_CA_FILE",
    "SERVER_TLS_KEY_FILE",
    "SERVER_TLS_CERT_FILE",
    "SERVER_TLS_PROTOCOLS",
    "SERVER_TLS_CIPHERS",
    "QUERY_TIMEOUT",
    "QUERY_WAIT_TIMEOUT",
    "CLIENT_IDLE_TIMEOUT",
    "IDLE_TRANSACTION_TIMEOUT",
    "PKT_BUF",
    "MAX_PACKET_SIZE",
    "LISTEN_BACKLOG",
    "SBUF_LOOPCNT",
    "SUSPEND_TIMEOUT",
    "TCP_DEFER_ACCEPT",
    "TCP_KEEPALIVE",
    "TCP_KEEPCNT",
    "TCP_KEEPIDLE",
    "TCP_KEEPINTVL",
    "TCP_USER_TIMEOUT",
  ].map(e => [e, e.toLowerCase(), "admin_users"] as [string, string, string]),
];

const CORE_VARS = [
  "DB_HOST",
  "DB_PORT",
  "DB_USER",
  "DB_PASSWORD",
  "DB_NAME",
  "CLIENT_ENCODING",
  "LISTEN_ADDR",
  "LISTEN_PORT",
  "UNIX_SOCKET_DIR",
  "AUTH_FILE",
  "AUTH_TYPE",
  "IGNORE_STARTUP_PARAMETERS",
  "ADMIN_USERS",
];
const REFUSED_VARS = ["DATABASE_URL", "DATABASE_URLS", "ADMIN_PASSWORD", "ADMIN_PASSWORDS", "STATS_PASSWORDS"];

/** Every variable the entrypoint reads (and the ones it parses that the harness refuses). */
export const PGBOUNCER_ENTRYPOINT_ENV: readonly string[] = [
  ...CORE_VARS,
  ...OPTIONAL_SETTINGS.map(s => s[0]),
  ...REFUSED_VARS,
];

export interface PgbouncerDatabase {
  name: string;
  host: string;
  port: number;
  authUser: string;
  clientEncoding?: string;
}

export interface PgbouncerConfig {
  database: PgbouncerDatabase;
  /** `[pgbouncer]` settings in file order. */
  settings: [string, string][];
  authFile: string;
  userlist: string;
}

export function pgbouncerConfigFromEnv(env: Record<string, string>, where = "PgBouncer"): PgbouncerConfig {
  const known = new Set([...CORE_VARS, ...OPTIONAL_SETTINGS.map(s => s[0])]);
  for (const name of Object.keys(env)) {
    if (REFUSED_VARS.includes(name)) throw new Error(`${where}: env ${name} is not supported by the harness`);
    if (!known.has(name)) throw new Error(`${where}: env ${name} is not read by the image's entrypoint (typo?)`);
  }
  if (!env.DB_HOST) throw new Error(`${where}: env DB_HOST is required ("You must set DB_HOST env")`);
  const user = env.DB_USER ?? "";
  const authType = env.AUTH_TYPE || "md5";
  const authFile = env.AUTH_FILE || `${PGBOUNCER_CONFIG_DIR}/userlist.txt`;
  let userlist = "";
  if (user && env.DB_PASSWORD) {
    const clear = authType === "plain" || authType === "scram-sha-256";
    const pass = clear
      ? env.DB_PASSWORD
      : `md5${createHash("md5")
          .update(env.DB_PASSWORD + user)
          .digest("hex")}`;
    userlist = `"${user}" "${pass}"\n`;
  }
  const base: [string, string][] = [
    ["listen_addr", env.LISTEN_ADDR || "0.0.0.0"],
    ["listen_port", env.LISTEN_PORT || "5432"],
    ["unix_socket_dir", env.UNIX_SOCKET_DIR ?? ""],
    ["user", "postgres"],
    ["auth_file", authFile],
    ["auth_type", authType],
    ["ignore_startup_parameters", env.IGNORE_STARTUP_PARAMETERS || "extra_float_digits"],
    ["admin_users", env.ADMIN_USERS || "postgres"],
  ];
  const settings: [string, string][] = [];
  for (const entry of base) {
    settings.push(entry);
    for (const [name, key, after] of OPTIONAL_SETTINGS)
      if (after === entry[0] && env[name]) settings.push([key, env[name]]);
  }
  const port = Number(env.DB_PORT || "5432");
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new Error(`${where}: env DB_PORT=${env.DB_PORT} is not a port`);
  return {
    database: {
      name: env.DB_NAME || "*",
      host: env.DB_HOST,
      port,
      authUser: user || "postgres",
      clientEncoding: env.CLIENT_ENCODING || undefined,
    },
    settings,
    authFile,
    userlist,
  };
}

export function renderPgbouncerIni(cfg: PgbouncerConfig): string {
  const db = cfg.database;
  const lines = ["[databases]", `${db.name} = host=${db.host} port=${db.port} auth_user=${db.authUser}`];
  if (db.clientEncoding) lines.push(`client_encoding = ${db.clientEncoding}`);
  lines.push("", "[pgbouncer]", ...cfg.settings.map(([k, v]) => `${k} = ${v}`), "");
  return lines.join("\n");
}

/** Replaces one `[pgbouncer]` setting (the harness's loopback address and port), keeping the order. */
export function withSetting(cfg: PgbouncerConfig, key: string, value: string): PgbouncerConfig {
  const settings = cfg.settings.some(([k]) => k === key)
    ? cfg.settings.map(([k, v]): [string, string] => [k, k === key ? value : v])
    : [...cfg.settings, [key, value] as [string, string]];
  return { ...cfg, settings };
}
