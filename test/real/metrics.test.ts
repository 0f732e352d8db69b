// The metrics layer against real programs on loopback: the reference apps' platform (PostgreSQL, PgBouncer, Kafka,
// the backend and frontend from the tree: test/apps/support/platform.ts on h16's harness), the exporters of
// apps/metrics/exporters, VictoriaMetrics with apps/metrics/victoria-metrics/scrape.yaml (targets rewritten to
// loopback only) and vmalert with the tree's rules. Every dashboard query returns series unless its source cannot
// run here (listed below with the reason); targets that do not answer show as up == 0; more clients than the pool
// holds are seen waiting; stopping PgBouncer fires PgBouncerDown, and the consumer group, which cannot apply what it
// reads any more, falls behind: KafkaConsumerLagGrowing fires.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { KubeObject } from "../../capabilities/k8s/object";
import { dashboardFiles, dashboardQueries } from "../support/metrics/dashboards";
import { Exporter, startPgbouncerExporter, startPostgresExporter } from "../support/metrics/exporters";
import { JobMapping, loopbackScrapeConfig } from "../support/metrics/scrape-config";
import { startVictoriaMetrics, startVmalert, Store, VmAlert } from "../support/metrics/store";
import { renderApp, REPO_ROOT } from "../support/real/manifests";
import { postgresBinDir } from "../support/real/postgres";
import { AppsPlatform, startAppsPlatform } from "../apps/support/platform";
import { produceRaw } from "../apps/support/kafka-client";
import { freePort, stopAll } from "../support/real/process";
import { ServiceMap } from "../support/real/services";
import { sleep } from "../../tools/controlplane/processes";

jest.setTimeout(300_000);

const METRICS = join(REPO_ROOT, "apps", "metrics");

/** Metric families whose programs cannot run on this machine, and why. A query using one may return nothing. */
const NOT_HERE: Record<string, string> = {
  node_: "kubelet /metrics/resource (no kubelet here)",
  machine_: "kubelet's cAdvisor (no kubelet here)",
  container_: "kubelet's cAdvisor (no kubelet here)",
  kubelet_: "kubelet /metrics (no kubelet here)",
  kube_: "kube-state-metrics (the Go module proxy refuses it; no registry for its image)",
  nginx_ingress_: "F5 NGINX Ingress Controller (not buildable here)",
  apiserver_admission_webhook_: "the API server's webhook calls (test/real/metrics-apiserver: not in this file)",
  pepr_: "the guardrails module (pepr dev holds the machine-wide port 3000)",
};
const DOWN = (job: string) => ({ down: `${job}: ${Object.values(NOT_HERE).join("; ")}` });

const objects: KubeObject[] = [
  ...renderApp("apps/infra/postgresql"),
  ...renderApp("apps/infra/pgbouncer"),
  ...renderApp("apps/metrics"),
];
let p: AppsPlatform;
let exporters: Exporter[] = [];
let store: Store;
let vmalert: VmAlert;
let workload: NodeJS.Timeout | undefined;

const target = () => ({
  host: p.bouncer.host,
  port: p.bouncer.port,
  user: p.pg.user,
  password: p.pg.password,
  database: p.pg.database,
});

/** Polls an instant query until `ok` holds for its result; fails with the last result. */
async function until(expr: string, ok: (n: number, values: number[]) => boolean, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await store.query(expr);
    const values = result.map(s => Number(s.value[1]));
    if (ok(result.length, values)) return result;
    if (Date.now() > deadline)
      throw new Error(`${expr}: not as expected after ${timeoutMs / 1000} s; last: ${JSON.stringify(result)}`);
    await sleep(1000);
  }
}

beforeAll(async () => {
  p = await startAppsPlatform();
  const secrets = { "postgresql-credentials": { password: p.pg.password } };
  const services = new ServiceMap(objects);
  services.register("postgresql-primary", "infra", 5432, { host: p.pg.host, port: p.pg.port });
  services.register("postgresql", "infra", 5432, { host: p.bouncer.host, port: p.bouncer.port });
  const pgx = await startPostgresExporter({ objects, secrets, services });
  const pbx = await startPgbouncerExporter({ objects, secrets, services });
  exporters = [pgx, pbx];

  const storePort = await freePort();
  const closed = await freePort();
  const vmalertPort = await freePort();
  const mapping: Record<string, JobMapping> = {
    "victoria-metrics": { target: `127.0.0.1:${storePort}` },
    vmalert: { target: `127.0.0.1:${vmalertPort}` },
    postgresql: { target: pgx.target },
    pgbouncer: { target: pbx.target },
    "kubelet-resource": DOWN("kubelet-resource"),
    "kubelet-cadvisor": DOWN("kubelet-cadvisor"),
    kubelet: DOWN("kubelet"),
    apiserver: DOWN("apiserver"),
    "kube-state-metrics": DOWN("kube-state-metrics"),
    "ingress-nginx": DOWN("ingress-nginx"),
    // What the job's relabelling would set from the backend's Service and namespace.
    apps: { target: new URL(p.backend.url).host, labels: { app: "backend", namespace: "backend" } },
    guardrails: DOWN("guardrails"),
  };
  const scrape = readFileSync(join(METRICS, "victoria-metrics", "scrape.yaml"), "utf8");
  store = await startVictoriaMetrics({
    objects,
    scrapeConfig: loopbackScrapeConfig(scrape, "scrape.yaml", mapping, closed),
    port: storePort,
  });
  vmalert = await startVmalert({
    objects,
    ruleGlob: join(METRICS, "vmalert", "rules", "*.yaml"),
    storeUrl: store.url,
    port: vmalertPort,
  });
  // Orders through the backend for as long as it runs (HTTP -> PgBouncer -> PostgreSQL, outbox -> Kafka -> the
  // consumer group), and one unknown route: the latency, status, pooler and database panels have something to count.
  workload = setInterval(() => {
    const api = (path: string, init?: RequestInit) =>
      fetch(`${p.backend.url}${path}`, { ...init, signal: AbortSignal.timeout(5000) }).catch(() => undefined);
    void api("/api/orders", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ customer: "ann", item: "juniper", quantity: 1 }),
    });
    void api("/api/orders?limit=5");
    void api("/no-such-route");
  }, 1000);
  // Every job scraped at least twice (15 s apart): enough for rate().
  const jobs = Object.keys(mapping).length;
  await until("count(count_over_time(up[5m]) >= 2)", (n, v) => n === 1 && v[0] === jobs);
  // A cold machine builds VictoriaMetrics (~1-2 min), the apps and the exporter's venv first.
}, 900_000);

afterAll(async () => {
  clearInterval(workload);
  await vmalert?.stop();
  await store?.stop();
  for (const e of exporters) await e.stop();
  await p?.stop();
  await stopAll();
});

test("the programs that run here are scraped (up == 1), and those that cannot show as down (up == 0)", async () => {
  const up = await store.query("up");
  const byJob = Object.fromEntries(up.map(s => [s.metric.job, s.value[1]]));
  expect(byJob).toEqual({
    "victoria-metrics": "1",
    vmalert: "1",
    postgresql: "1",
    pgbouncer: "1",
    "kubelet-resource": "0",
    "kubelet-cadvisor": "0",
    kubelet: "0",
    apiserver: "0",
    "kube-state-metrics": "0",
    "ingress-nginx": "0",
    apps: "1",
    guardrails: "0",
  });
});

test("the PgBouncer exporter writes no file of its own (its root filesystem is read-only in the pod)", () => {
  // A stray "stdout" file here was `--log-file stdout` taken for a path (the exporter compares by identity).
  expect(readdirSync(exporters[1].stateDir).sort()).toEqual(["config.yml", "pgbouncer-exporter.log"]);
});

test("a down target is an alert (TargetDown pending on the tree's rule), not silence", async () => {
  const alerts = await pollAlerts(a => a.some(x => x.name === "TargetDown" && x.labels.job === "kube-state-metrics"));
  expect(alerts.find(x => x.name === "TargetDown" && x.labels.job === "kube-state-metrics")?.state).toMatch(
    /pending|firing/,
  );
  // vmalert writes the alert back into the store, where the overview dashboard lists it.
  await until('count(ALERTS{alertname="TargetDown"})', n => n > 0, 30_000);
});

test("every dashboard query returns series, unless its source cannot run here", async () => {
  const queries = dashboardFiles(join(METRICS, "dashboards"))
    .flatMap(f => dashboardQueries(f, REPO_ROOT))
    .filter(q => !Object.keys(NOT_HERE).some(family => q.expr.includes(family)));
  // Most of the list runs here: PostgreSQL, PgBouncer, the store, targets and alerts.
  expect(queries.length).toBeGreaterThanOrEqual(15);
  // PgBouncer publishes SHOW STATS totals once per stats_period (60 s by default): its rates may take that long.
  const deadline = Date.now() + 90_000;
  let empty: string[] = [];
  do {
    empty = [];
    for (const q of queries) if (!(await store.query(q.expr)).length) empty.push(`${q.panel} ${q.refId}: ${q.expr}`);
    if (empty.length) await sleep(2000);
  } while (empty.length && Date.now() < deadline);
  expect(empty).toEqual([]);
});

test("more clients than the pool holds: PgBouncer's waiting clients show and PgBouncerClientsWaiting's condition holds", async () => {
  // Transaction pooling: a client inside a transaction holds a server connection. One more than the pool size
  // (PgBouncer's default_pool_size 20: the Deployment sets none) has to wait.
  // The workload's psql runs synchronously: stuck in PgBouncer's queue it would block this test's polling.
  clearInterval(workload);
  const t = target();
  const holders = Array.from({ length: 22 }, () =>
    spawn(
      join(postgresBinDir(), "psql"),
      [
        "-X",
        "-q",
        "-h",
        t.host,
        "-p",
        String(t.port),
        "-U",
        t.user,
        "-d",
        t.database,
        "-c",
        "BEGIN; SELECT pg_sleep(40); COMMIT;",
      ],
      { env: { PATH: process.env.PATH ?? "", PGPASSWORD: t.password, PGSSLMODE: "disable" }, stdio: "ignore" },
    ),
  );
  try {
    await until("sum(pgbouncer_pools_client_waiting_connections)", (n, v) => n > 0 && v[0] > 0, 45_000);
    // The rule's own expression holds on these data (its `for: 2m` is vmalert's timer, not waited for here).
    const rule = ruleExpr("PgBouncerClientsWaiting");
    expect((await store.query(rule)).map(x => Number(x.value[1]))).toEqual([expect.any(Number)]);
  } finally {
    for (const h of holders) h.kill("SIGKILL");
  }
});

test("PgBouncer stopped: PgBouncerDown fires; the consumer group falls behind: KafkaConsumerLagGrowing fires", async () => {
  clearInterval(workload);
  await p.bouncer.stop();
  await until("pgbouncer_up", (n, v) => n > 0 && v.every(x => x === 0), 45_000);
  // Events keep arriving; the consumer cannot apply them (its database is behind the pooler) and does not commit.
  const partitions = [...Array(p.topic.partitions).keys()];
  let n = 0;
  const producing = setInterval(() => {
    const batch = partitions.map(partition => ({ partition, key: `lag-${n++}`, value: JSON.stringify({ n }) }));
    void produceRaw(p.kafka.bootstrap, p.topic.topic, batch).catch(() => undefined);
  }, 3000);
  try {
    await until("sum(kafka_consumer_group_lag)", (k, v) => k > 0 && v[0] > 10, 60_000).catch(async (err: Error) => {
      const up = await store.query('up{job="apps"}');
      throw new Error(
        `${err.message}\napps target: ${JSON.stringify(up)}\nbackend:\n${p.backend.process.describe(40)}`,
      );
    });
    const alerts = await pollAlerts(
      a =>
        ["PgBouncerDown", "KafkaConsumerLagGrowing"].every(name =>
          a.some(x => x.name === name && x.state === "firing"),
        ),
      180_000,
    );
    expect(alerts.find(x => x.name === "PgBouncerDown")).toMatchObject({
      state: "firing",
      labels: { severity: "critical" },
    });
    expect(alerts.find(x => x.name === "KafkaConsumerLagGrowing")).toMatchObject({
      state: "firing",
      labels: { topic: p.topic.topic, severity: "warning" },
    });
  } finally {
    clearInterval(producing);
  }
});

/** The expression of an alert rule of the tree, as vmalert evaluates it. */
function ruleExpr(alert: string): string {
  const doc = parse(readFileSync(join(METRICS, "vmalert", "rules", "alerts.yaml"), "utf8")) as {
    groups: { rules: { alert?: string; expr: string }[] }[];
  };
  const rule = doc.groups.flatMap(g => g.rules).find(r => r.alert === alert);
  if (!rule) throw new Error(`apps/metrics/vmalert/rules/alerts.yaml has no alert ${alert}`);
  return rule.expr;
}

async function pollAlerts(
  ok: (alerts: Awaited<ReturnType<VmAlert["alerts"]>>) => boolean,
  timeoutMs = 60_000,
): Promise<Awaited<ReturnType<VmAlert["alerts"]>>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alerts = await vmalert.alerts();
    if (ok(alerts)) return alerts;
    if (Date.now() > deadline)
      throw new Error(
        `alerts not as expected after ${timeoutMs / 1000} s: ${JSON.stringify(alerts)}\n${vmalert.process.describe()}`,
      );
    await sleep(1000);
  }
}
