// The metrics layer's view of the guardrails, on the embedded API server with the module running (pepr dev):
// VictoriaMetrics scrapes the API server with a token of the tree's scraper ServiceAccount (ClusterRole
// bonsai-metrics-scraper, applied from apps/metrics) and the module's /metrics on :3000, with
// apps/metrics/victoria-metrics/scrape.yaml (targets rewritten to loopback only). The dashboard's guardrails
// panels return series; the scraper's identity reads /metrics but no Secrets and no nodes/proxy.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeObject } from "../../capabilities/k8s/object";
import { PEPR_DEV_PORT } from "../../tools/controlplane/pepr-dev";
import { freePort, sleep } from "../../tools/controlplane/processes";
import { dashboardFiles, dashboardQueries } from "../support/metrics/dashboards";
import { JobMapping, loopbackScrapeConfig } from "../support/metrics/scrape-config";
import { startVictoriaMetrics, Store } from "../support/metrics/store";
import { renderApp, REPO_ROOT } from "../support/real/manifests";
import { compliantPod } from "../support/pods";
import { E2eCluster, SETUP_TIMEOUT_MS, startCluster } from "./cluster";

const METRICS = join(REPO_ROOT, "apps", "metrics");
const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
const metrics = renderApp("apps/metrics");
const scraper = (kind: string, name: string) =>
  metrics.find(o => o.kind === kind && o.metadata?.name === name) as KubeObject;
let c: E2eCluster;
let store: Store;
let scratch: string;
let traffic: NodeJS.Timeout | undefined;

/** A pod the guardrails deny (privileged): an admission call that creates nothing. */
const deniedPod = (): KubeObject => {
  const pod = compliantPod(`denied-${Date.now()}`);
  pod.metadata = { ...pod.metadata, namespace: "backend" };
  (pod.spec as { containers: { securityContext: object }[] }).containers[0].securityContext = { privileged: true };
  return pod;
};

beforeAll(async () => {
  c = await startCluster({ module: true });
  scratch = mkdtempSync(join(tmpdir(), "bonsai-metrics-e2e-"));
  expect(c.kubectl(["create", "namespace", "monitoring"]).code).toBe(0);
  expect(c.kubectl(["create", "namespace", "backend"]).code).toBe(0);
  const applied = c.apply(
    scraper("ServiceAccount", "victoria-metrics"),
    scraper("ClusterRole", "bonsai-metrics-scraper"),
    scraper("ClusterRoleBinding", "bonsai-metrics-scraper"),
  );
  expect(applied.stderr).toBe("");
  const token = c.kubectl(["create", "token", "victoria-metrics", "-n", "monitoring", "--duration=1h"]);
  expect(token.code).toBe(0);
  writeFileSync(join(scratch, "token"), token.stdout.trim(), { mode: 0o600 });

  const storePort = await freePort();
  const apiServer = new URL(c.cp.server);
  const down = (why: string): JobMapping => ({ down: why });
  const mapping: Record<string, JobMapping> = {
    "victoria-metrics": { target: `127.0.0.1:${storePort}` },
    apiserver: {
      target: apiServer.host,
      files: {
        [`${SA_DIR}/token`]: join(scratch, "token"),
        [`${SA_DIR}/ca.crt`]: join(c.cp.stateDir, "pki", "ca.crt"),
      },
    },
    guardrails: { target: `127.0.0.1:${PEPR_DEV_PORT}` },
    vmalert: down("not started in this file (test/real/metrics.test.ts runs it)"),
    postgresql: down("test/real/metrics.test.ts"),
    pgbouncer: down("test/real/metrics.test.ts"),
    "kubelet-resource": down("kwok's node has no kubelet"),
    "kubelet-cadvisor": down("kwok's node has no kubelet"),
    kubelet: down("kwok's node has no kubelet"),
    "kube-state-metrics": down("not buildable here"),
    "ingress-nginx": down("not buildable here"),
    apps: down("not on main yet"),
  };
  const scrape = readFileSync(join(METRICS, "victoria-metrics", "scrape.yaml"), "utf8");
  store = await startVictoriaMetrics({
    objects: metrics,
    scrapeConfig: loopbackScrapeConfig(scrape, "scrape.yaml", mapping, await freePort()),
    port: storePort,
  });
  // Admission calls all along, so that the rates over two scrapes are not empty.
  traffic = setInterval(() => c.apply(deniedPod()), 2000);
  await waitFor("count(count_over_time(up[5m]) >= 2)", v => v.length === 1 && Number(v[0].value[1]) === 12);
  await waitFor(
    "sum(rate(apiserver_admission_webhook_request_total[5m]))",
    v => v.length > 0 && Number(v[0].value[1]) > 0,
  );
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  clearInterval(traffic);
  await store?.stop();
  await c?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

async function waitFor(expr: string, ok: (v: Awaited<ReturnType<Store["query"]>>) => boolean, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await store.query(expr);
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`${expr}: last ${JSON.stringify(v)}\n${c.diagnostics()}`);
    await sleep(1000);
  }
}

test("the tree's scraper identity reads the API server's /metrics and the module's (up == 1)", async () => {
  const up = Object.fromEntries((await store.query("up")).map(s => [s.metric.job, s.value[1]]));
  expect({ apiserver: up.apiserver, guardrails: up.guardrails }).toEqual({ apiserver: "1", guardrails: "1" });
});

test("the scraper's ClusterRole grants no Secrets and no nodes/proxy, but nodes/metrics", () => {
  // kubectl reads "nodes/proxy" as the node named proxy: a subresource needs --subresource.
  const can = (verb: string, resource: string, subresource?: string) =>
    c
      .kubectl([
        "auth",
        "can-i",
        verb,
        resource,
        ...(subresource ? [`--subresource=${subresource}`] : []),
        "-A",
        "--as=system:serviceaccount:monitoring:victoria-metrics",
      ])
      .stdout.trim();
  expect({
    secrets: can("get", "secrets"),
    proxy: can("get", "nodes", "proxy"),
    exec: can("create", "pods", "exec"),
    metrics: can("get", "nodes", "metrics"),
  }).toEqual({ secrets: "no", proxy: "no", exec: "no", metrics: "yes" });
});

test("every guardrails panel of the dashboard returns series from the API server and the module", async () => {
  const queries = dashboardFiles(join(METRICS, "dashboards"))
    .flatMap(f => dashboardQueries(f, REPO_ROOT))
    .filter(q => /apiserver_admission_webhook_|pepr_/.test(q.expr));
  expect(queries.length).toBeGreaterThanOrEqual(3);
  const empty: string[] = [];
  for (const q of queries) if (!(await store.query(q.expr)).length) empty.push(`${q.panel} ${q.refId}: ${q.expr}`);
  expect(empty).toEqual([]);
  // The denials are the module's own verdicts, counted by policy.
  const verdicts = await store.query('sum by (policy, result) (pepr_bonsai_policy_results{result="fail"})');
  expect(verdicts.map(s => s.metric.policy)).toContain("pod-security-standards");
});
