/**
 * The whole path of the reference apps as real local processes, each configured from the tree:
 * PostgreSQL, PgBouncer and Kafka from apps/infra (h16's harness, test/support/real/), the orders topic from its
 * Job, and the backend and frontend from what the HelmReleases render (charts/bonsai-app): their env, args and
 * the migrate Job, with cluster addresses mapped to the loopback ports the harness chose.
 *
 *   const p = await startAppsPlatform();
 *   await fetch(`${p.frontend.url}/`);
 *   await p.stop();
 */
import { randomBytes } from "node:crypto";
import type { KubeObject } from "../../../capabilities/k8s/object";
import { renderLayer } from "../../../lib/render";
import { Kafka, startKafka } from "../../support/real/kafka";
import { containerEnv, containerOf, REPO_ROOT, renderApp } from "../../support/real/manifests";
import { PgBouncer, startPgBouncer } from "../../support/real/pgbouncer";
import { Postgres, psql, startPostgres } from "../../support/real/postgres";
import {
  freePort,
  makeStateDir,
  RealProcess,
  removeStateDir,
  runToCompletion,
  spawnReal,
} from "../../support/real/process";
import { ServiceMap } from "../../support/real/services";
import { backendMain, ensureBuilt, frontendServer } from "./build";
import { createTopic, TopicSpec, topicFromJob } from "./topic";

export interface AppProcess {
  url: string;
  env: Record<string, string>;
  process: RealProcess;
}

export interface AppsPlatform {
  pg: Postgres;
  bouncer: PgBouncer;
  kafka: Kafka;
  topic: TopicSpec;
  backend: AppProcess;
  frontend: AppProcess;
  /** psql through PgBouncer, as the app connects. */
  sql(query: string): string;
  /** Runs the migrate command exactly as the chart's Job does. */
  migrate(): string;
  stop(): Promise<void>;
}

/** What the folder's HelmReleases install (the chart rendered with their values), as helm-controller would. */
const rendered = (folder: string): KubeObject[] =>
  renderLayer({ name: folder, path: folder, dependsOn: [] }, REPO_ROOT).fromCharts;

/** http://backend.backend.svc.cluster.local -> http://127.0.0.1:<port of the backend we started>. */
function mapUrl(services: ServiceMap, raw: string): string {
  const u = new URL(raw);
  const local = services.resolve(u.hostname, Number(u.port || (u.protocol === "https:" ? 443 : 80)));
  return `${u.protocol}//${local.host}:${local.port}${u.pathname.replace(/\/$/, "")}`;
}

/** The backend's cluster addresses (DATABASE_HOST/PORT, KAFKA_BROKERS) mapped to the harness's. */
function localBackendEnv(env: Record<string, string>, services: ServiceMap, port: number): Record<string, string> {
  const db = services.resolve(env.DATABASE_HOST, Number(env.DATABASE_PORT));
  const brokers = env.KAFKA_BROKERS.split(",").map(b => {
    const [host, p] = b.split(":");
    const a = services.resolve(host, Number(p));
    return `${a.host}:${a.port}`;
  });
  return {
    ...env,
    DATABASE_HOST: db.host,
    DATABASE_PORT: String(db.port),
    KAFKA_BROKERS: brokers.join(","),
    HOST: "127.0.0.1",
    PORT: String(port),
    // The chart waits 5 s for the Service to drop the pod; nothing routes here, so do not wait.
    SHUTDOWN_DELAY_MS: "0",
    LOG_LEVEL: "warn",
  };
}

async function httpOk(url: string): Promise<boolean> {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(3000) });
    return r.ok;
  } catch {
    return false;
  }
}

export async function startAppsPlatform(): Promise<AppsPlatform> {
  ensureBuilt("backend");
  ensureBuilt("frontend");
  const infra = ["apps/infra/postgresql", "apps/infra/pgbouncer", "apps/infra/kafka"].flatMap(f => renderApp(f));
  const backendObjects = rendered("apps/backend");
  const frontendObjects = rendered("apps/frontend");
  const objects = [...infra, ...backendObjects, ...frontendObjects];
  const services = new ServiceMap(objects);
  // One password, as the operator gives infra/postgresql-credentials and backend/backend-database the same value.
  const password = randomBytes(18).toString("base64url");
  const secrets = { "postgresql-credentials": { password }, "backend-database": { password } };
  const state = makeStateDir("apps");
  const started: { stop(): Promise<void> }[] = [];
  try {
    const [pg, kafka] = await Promise.all([startPostgres({ objects, secrets }), startKafka({ objects, services })]);
    started.push(kafka, pg);
    services.register("postgresql-primary", "infra", 5432, { host: pg.host, port: pg.port });
    const bouncer = await startPgBouncer({ objects, secrets, services });
    started.unshift(bouncer);
    // The seed's postgresql.infra:5432 is the pooler's Service.
    services.register("postgresql", "infra", 5432, { host: bouncer.host, port: bouncer.port });
    const topic = topicFromJob(infra);
    await createTopic(kafka.bootstrap, topic);

    const deployment = containerOf(backendObjects, "Deployment", "backend");
    const backendPort = await freePort();
    services.register("backend", "backend", 80, { host: "127.0.0.1", port: backendPort });
    const backendEnv = localBackendEnv(containerEnv(deployment, objects, secrets), services, backendPort);
    const job = backendObjects.find(o => o.kind === "Job" && String(o.metadata?.name).startsWith("backend-migrate-"));
    if (!job) throw new Error("the backend release renders no migrate Job (migration.enabled in apps/backend)");
    const migrateJob = containerOf(backendObjects, "Job", String(job.metadata?.name));
    const migrateEnv = localBackendEnv(containerEnv(migrateJob, objects, secrets), services, backendPort);
    // The image's entrypoint is `node dist/main.js`; the chart passes the command as args.
    const migrate = () =>
      runToCompletion(
        "backend migrate (the chart's Job)",
        process.execPath,
        [backendMain(), ...(migrateJob.container.args ?? [])],
        {
          env: migrateEnv,
          unprivileged: true,
          timeoutMs: 90_000,
        },
      );
    migrate();

    const backendProc = spawnReal({
      name: "backend",
      command: process.execPath,
      args: [backendMain(), ...(deployment.container.args ?? [])],
      env: backendEnv,
      stateDir: state,
      unprivileged: true,
    });
    const backendUrl = `http://127.0.0.1:${backendPort}`;
    await backendProc.waitReady("backend ready", () => httpOk(`${backendUrl}/api/ready`), 90_000);

    const fe = containerOf(frontendObjects, "Deployment", "frontend");
    const frontendPort = await freePort();
    const feEnv = containerEnv(fe, objects, secrets);
    const frontendEnv = {
      ...feEnv,
      BACKEND_URL: mapUrl(services, feEnv.BACKEND_URL),
      HOSTNAME: "127.0.0.1",
      PORT: String(frontendPort),
    };
    const frontendProc = spawnReal({
      name: "frontend",
      command: process.execPath,
      args: [frontendServer()],
      env: frontendEnv,
      stateDir: state,
      unprivileged: true,
    });
    const frontendUrl = `http://127.0.0.1:${frontendPort}`;
    await frontendProc.waitReady("frontend answers", () => httpOk(`${frontendUrl}/healthz`), 60_000);
    started.unshift({ stop: () => backendProc.stop() });
    started.unshift({ stop: () => frontendProc.stop() });

    const target = { host: bouncer.host, port: bouncer.port, user: "bonsai", password, database: "bonsai" };
    return {
      pg,
      bouncer,
      kafka,
      topic,
      backend: { url: backendUrl, env: backendEnv, process: backendProc },
      frontend: { url: frontendUrl, env: frontendEnv, process: frontendProc },
      sql: q => psql(target, q),
      migrate,
      stop: async () => {
        for (const s of started) await s.stop();
        removeStateDir(state);
      },
    };
  } catch (err) {
    for (const s of started) await s.stop().catch(() => undefined);
    removeStateDir(state);
    throw err;
  }
}
