/**
 * PostgreSQL (Debian's server) started from the PostgreSQL StatefulSet the way the `postgres` image's
 * entrypoint starts it:
 *
 *   const pg = await startPostgres({ objects: renderApp("apps/infra/postgresql"), secrets });
 *   psql(pg, "select 1");                  // runs the real psql client over TCP with the password
 *   await pg.stop();
 *
 * From the manifest: POSTGRES_USER/POSTGRES_PASSWORD/POSTGRES_DB/PGDATA/POSTGRES_INITDB_ARGS/
 * POSTGRES_HOST_AUTH_METHOD and the container's args (`-c key=value`). As the image does: `initdb` with the
 * user and the password (the image's initdb trusts local socket connections), then
 * `host all all all <auth>` in pg_hba.conf, where <auth> is POSTGRES_HOST_AUTH_METHOD or scram-sha-256, then
 * POSTGRES_DB created. One deliberate difference: initdb's `host … 127.0.0.1/32 trust` lines are removed, since
 * in the cluster the pooler reaches the server from another pod's address, where the password rule applies.
 * Paths the image writes (PGDATA, the socket dir /var/run/postgresql) must be on volumes of the manifest (the
 * root filesystem is read-only); they are mapped into a fresh state directory.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KubeObject } from "../../../capabilities/k8s/object";
import { containerEnv, containerOf, SecretValues } from "./manifests";
import {
  freePort,
  giveToHarnessUser,
  RealProcess,
  stopAndRemove,
  withStateDir,
  runToCompletion,
  spawnReal,
} from "./process";
import { mapIntoState } from "./volumes";
import { psqlArgs } from "../../../cli/smoke/psql";

/** Where a client connects and as whom: the server itself, or PgBouncer in front of it. */
export interface PsqlTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export interface Postgres extends PsqlTarget {
  /** The server's Unix socket directory (trusted local connections, as in the image). */
  socketDir: string;
  process: RealProcess;
  stop(): Promise<void>;
}

/** The newest Debian PostgreSQL server installed (apt: postgresql-15 on bookworm). */
export function postgresBinDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter(v => existsSync(join(root, v, "bin", "postgres"))) : [];
  if (versions.length === 0)
    throw new Error(`no PostgreSQL server under ${root}: run scripts/ensure-system-packages.sh (apt postgresql)`);
  return join(root, versions.sort((a, b) => Number(b) - Number(a))[0], "bin");
}

export interface StartPostgresOptions {
  objects: KubeObject[];
  secrets: SecretValues;
  statefulSet?: string;
  timeoutMs?: number;
}

export async function startPostgres(opts: StartPostgresOptions): Promise<Postgres> {
  const w = containerOf(opts.objects, "StatefulSet", opts.statefulSet ?? "postgresql");
  const env = containerEnv(w, opts.objects, opts.secrets);
  const user = env.POSTGRES_USER || "postgres";
  const database = env.POSTGRES_DB || user;
  const password = env.POSTGRES_PASSWORD ?? "";
  const auth = env.POSTGRES_HOST_AUTH_METHOD || "scram-sha-256";
  if (!password && auth !== "trust")
    throw new Error(`${w.kind}/${w.name}: POSTGRES_PASSWORD is empty; the postgres image refuses to initialise`);

  return withStateDir("postgres", async state => {
    const pgdata = mapIntoState(w, env.PGDATA || "/var/lib/postgresql/data", state);
    const socketDir = mapIntoState(w, "/var/run/postgresql", state);
    const bin = postgresBinDir();
    const port = await freePort();
    const timeoutMs = opts.timeoutMs ?? 60_000;
    const pwfile = join(state, "pwfile");
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    giveToHarnessUser(pwfile);
    const initdbArgs = splitArgs(env.POSTGRES_INITDB_ARGS ?? "");
    runToCompletion(
      "initdb",
      join(bin, "initdb"),
      ["-D", pgdata, `--username=${user}`, `--pwfile=${pwfile}`, ...initdbArgs],
      {
        unprivileged: true,
        timeoutMs,
        env: { LANG: "C.UTF-8" },
      },
    );
    writeHba(pgdata, auth);
    const args = ["-D", pgdata, "-c", "listen_addresses=127.0.0.1", "-c", `port=${port}`];
    args.push("-c", `unix_socket_directories=${socketDir}`, ...(w.container.args ?? []));
    const proc = spawnReal({
      name: "postgres",
      command: join(bin, "postgres"),
      args,
      stateDir: state,
      unprivileged: true,
      stopSignal: "SIGINT",
    });
    const pg: Postgres = {
      host: "127.0.0.1",
      port,
      user,
      password,
      database,
      socketDir,
      process: proc,
      stop: stopAndRemove(proc, state),
    };
    await proc.waitReady(
      "PostgreSQL accepts connections",
      async () => {
        try {
          runToCompletion("pg_isready", join(bin, "pg_isready"), ["-h", socketDir, "-p", String(port)], {
            timeoutMs: 5000,
          });
          return true;
        } catch {
          return false;
        }
      },
      timeoutMs,
    );
    if (database !== "postgres") {
      // As the image: over the trusted local socket, as the superuser it just created.
      runLocalSql(pg, bin, `CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    }
    return pg;
  });
}

function writeHba(pgdata: string, auth: string): void {
  const file = join(pgdata, "pg_hba.conf");
  const kept = readFileSync(file, "utf8")
    .split("\n")
    .filter(line => !/^host\s/.test(line.trim()));
  kept.push(`host all all all ${auth}`, "");
  writeFileSync(file, kept.join("\n"));
}

function runLocalSql(pg: Postgres, bin: string, sql: string): string {
  return runToCompletion(
    "psql (local socket)",
    join(bin, "psql"),
    psqlArgs(pg.socketDir, pg.port, pg.user, "postgres", sql),
    {
      unprivileged: true,
      timeoutMs: 15_000,
    },
  );
}

/** Runs SQL with the real psql client over TCP with the password (what an application does); returns stdout. */
export function psql(target: PsqlTarget, sql: string, timeoutMs = 15_000): string {
  return runToCompletion(
    `psql to ${target.host}:${target.port}/${target.database} as ${target.user}`,
    join(postgresBinDir(), "psql"),
    psqlArgs(target.host, target.port, target.user, target.database, sql),
    { env: { PGPASSWORD: target.password, PGCONNECT_TIMEOUT: "5", PGSSLMODE: "disable" }, timeoutMs },
  ).trim();
}

/** POSTGRES_INITDB_ARGS is split on whitespace by the image's shell; no quoting is honoured there either. */
function splitArgs(s: string): string[] {
  return s.split(/\s+/).filter(Boolean);
}
