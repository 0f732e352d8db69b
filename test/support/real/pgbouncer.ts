/**
 * PgBouncer (Debian's `pgbouncer`) configured exactly as the PgBouncer Deployment's env would configure the
 * edoburu/pgbouncer image's entrypoint (see pgbouncer-config.ts), in front of a real PostgreSQL:
 *
 *   const services = new ServiceMap(objects);
 *   services.register("postgresql-primary", "infra", 5432, { host: pg.host, port: pg.port });
 *   const bouncer = await startPgBouncer({ objects, secrets, services });
 *   psql({ ...bouncer, user, password, database }, "begin; ...; commit");
 *   await bouncer.stop();
 *
 * The files the entrypoint writes (pgbouncer.ini, userlist.txt under /etc/pgbouncer) must be on volumes of the
 * manifest, as the root filesystem is read-only. Only the listen address and port (loopback, a free port) and
 * the upstream address (resolved through `services`, which checks it names a Service port of the tree) differ.
 * The image runs as its `postgres` user and its config says `user = postgres`, so as root the harness runs it as
 * Debian's `postgres` user; as a non-root user `user` names that user instead (PgBouncer cannot switch).
 */
import { existsSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { connect } from "node:net";
import { KubeObject } from "../../../capabilities/k8s/object";
import { containerEnv, containerOf, SecretValues } from "./manifests";
import {
  freePort,
  giveToHarnessUser,
  harnessUser,
  RealProcess,
  stopAndRemove,
  withStateDir,
  spawnReal,
} from "./process";
import { PGBOUNCER_CONFIG_DIR, pgbouncerConfigFromEnv, renderPgbouncerIni, withSetting } from "./pgbouncer-config";
import { ServiceMap } from "./services";
import { mapIntoState } from "./volumes";

/** The image's user is called postgres (uid 70 in Alpine); Debian's postgresql-common creates one too. */
const PGBOUNCER_USER = "postgres";
/** Debian installs it in /usr/sbin, which a non-root PATH may lack. */
const PGBOUNCER_BIN = existsSync("/usr/sbin/pgbouncer") ? "/usr/sbin/pgbouncer" : "pgbouncer";

export interface PgBouncer {
  host: string;
  port: number;
  /** The ini file as written (with the harness's loopback address). */
  ini: string;
  process: RealProcess;
  stop(): Promise<void>;
}

export interface StartPgBouncerOptions {
  objects: KubeObject[];
  secrets: SecretValues;
  services: ServiceMap;
  deployment?: string;
  timeoutMs?: number;
}

export async function startPgBouncer(opts: StartPgBouncerOptions): Promise<PgBouncer> {
  const w = containerOf(opts.objects, "Deployment", opts.deployment ?? "pgbouncer");
  const env = containerEnv(w, opts.objects, opts.secrets);
  let cfg = pgbouncerConfigFromEnv(env, `${w.kind}/${w.name}`);
  const upstream = opts.services.resolve(cfg.database.host, cfg.database.port);
  const port = await freePort();
  return withStateDir(
    "pgbouncer",
    async state => {
      const configDir = mapIntoState(w, PGBOUNCER_CONFIG_DIR, state, PGBOUNCER_USER);
      const authFile = mapIntoState(w, dirOf(cfg.authFile), state, PGBOUNCER_USER) + "/" + baseOf(cfg.authFile);
      cfg = { ...cfg, database: { ...cfg.database, host: upstream.host, port: upstream.port } };
      cfg = withSetting(withSetting(cfg, "listen_addr", "127.0.0.1"), "listen_port", String(port));
      cfg = withSetting(cfg, "auth_file", authFile);
      if (!harnessUser(PGBOUNCER_USER)) cfg = withSetting(cfg, "user", userInfo().username);
      const ini = join(configDir, "pgbouncer.ini");
      writeFileSync(ini, renderPgbouncerIni(cfg));
      writeFileSync(authFile, cfg.userlist, { mode: 0o600 });
      giveToHarnessUser(ini, PGBOUNCER_USER);
      giveToHarnessUser(authFile, PGBOUNCER_USER);
      const proc = spawnReal({
        name: "pgbouncer",
        command: PGBOUNCER_BIN,
        args: [ini],
        stateDir: state,
        unprivileged: true,
        userName: PGBOUNCER_USER,
      });
      await proc.waitReady("PgBouncer listens", () => tcpOpen("127.0.0.1", port), opts.timeoutMs ?? 20_000);
      return {
        host: "127.0.0.1",
        port,
        ini: renderPgbouncerIni(cfg),
        process: proc,
        stop: stopAndRemove(proc, state),
      };
    },
    PGBOUNCER_USER,
  );
}

const dirOf = (p: string) => p.slice(0, p.lastIndexOf("/")) || "/";
const baseOf = (p: string) => p.slice(p.lastIndexOf("/") + 1);

/** True when a TCP connection to host:port is accepted within 2 s. */
export function tcpOpen(host: string, port: number): Promise<boolean> {
  return new Promise(resolve => {
    const socket = connect({ host, port, timeout: 2000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  });
}
