// bonsai smoke against a real API server (embedded plane) and a real PgBouncer + PostgreSQL started from the tree:
// a missing Secret, a wrong password and unreachable hosts each fail the named check with a fix, every check ends
// within its timeout, the data checks the embedded plane cannot run are skipped with the reason, exit 0/1.
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createServer, Server } from "node:net";
import { stringify } from "yaml";
import { run } from "../../cli/commands/smoke";
import { renderApp } from "../support/real/manifests";
import { PgBouncer, startPgBouncer } from "../support/real/pgbouncer";
import { Postgres, startPostgres } from "../support/real/postgres";
import { freePort, stopAll } from "../support/real/process";
import { ServiceMap } from "../support/real/services";
import { E2eCluster, SETUP_TIMEOUT_MS, startCluster } from "./cluster";

jest.setTimeout(240_000);

const objects = [...renderApp("apps/infra/postgresql"), ...renderApp("apps/infra/pgbouncer")];
const password = randomBytes(18).toString("base64url");
let cluster: E2eCluster;
let pg: Postgres;
let bouncer: PgBouncer;
let silent: Server;
let silentPort: number;

beforeAll(async () => {
  cluster = await startCluster({ module: false });
  pg = await startPostgres({ objects, secrets: { "postgresql-credentials": { password } } });
  const services = new ServiceMap(objects);
  services.register("postgresql-primary", "infra", 5432, { host: pg.host, port: pg.port });
  bouncer = await startPgBouncer({ objects, secrets: { "postgresql-credentials": { password } }, services });
  expect(cluster.kubectl(["create", "namespace", "infra"]).code).toBe(0);
  const deploy = objects.find(o => o.kind === "Deployment" && o.metadata?.name === "pgbouncer");
  expect(cluster.kubectl(["apply", "-f", "-"], stringify(deploy)).stderr).toBe("");
  // Accepts connections and never answers: a check against it can only end by its timeout.
  silent = createServer(() => undefined);
  await new Promise<void>(resolve => silent.listen(0, "127.0.0.1", resolve));
  silentPort = (silent.address() as { port: number }).port;
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  silent?.close();
  await bouncer?.stop();
  await pg?.stop();
  await cluster?.stop();
  await stopAll();
});

async function smoke(...args: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const spy = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    const code = await run(["--kubeconfig", cluster.cp.kubeconfig, "--timeout", "5", ...args]);
    return { code, out };
  } finally {
    spy.mockRestore();
  }
}

const setSecret = (value: string) => {
  cluster.kubectl(["delete", "secret", "postgresql-credentials", "-n", "infra", "--ignore-not-found"]);
  const r = cluster.kubectl([
    "create",
    "secret",
    "generic",
    "postgresql-credentials",
    "-n",
    "infra",
    `--from-literal=password=${value}`,
  ]);
  expect(r.code).toBe(0);
};

test("a missing Secret fails the Secrets check and the PgBouncer check, naming the Secret and its reader", async () => {
  const { code, out } = await smoke("--pgbouncer", `127.0.0.1:${bouncer.port}`);
  expect(code).toBe(1);
  expect(out).toMatch(
    /FAIL {2}secrets: .*Secret infra\/postgresql-credentials key password is missing \(read by Deployment infra\/pgbouncer env DB_PASSWORD\)\n {7}fix: /,
  );
  expect(out).toMatch(
    /FAIL {2}PostgreSQL via PgBouncer: .*Secret infra\/postgresql-credentials key password is missing/,
  );
  expect(out).toMatch(/PASS {2}cluster: the API server answers/);
  // The embedded plane cannot serve the URLs, Grafana or Kafka: skipped, each with the reason.
  expect(out).toMatch(
    /SKIP {2}frontend: http:\/\/app\.local:8080\/ answers — skipped: the embedded plane's pods are kwok fakes/,
  );
  expect(out).toMatch(/SKIP {2}Kafka: accepts a message and returns it — skipped/);
  expect(out).toMatch(/SKIP {2}Grafana \/ Loki: .* — skipped/);
});

test("a wrong password fails the PgBouncer check with PostgreSQL's message and the fix", async () => {
  setSecret("not-the-password");
  const { code, out } = await smoke("--pgbouncer", `127.0.0.1:${bouncer.port}`);
  expect(code).toBe(1);
  expect(out).toMatch(/FAIL {2}PostgreSQL via PgBouncer: a transaction .* — .*(password authentication failed|SASL)/);
  expect(out).toMatch(/fix: the pooler's userlist and PostgreSQL disagree with Secret infra\/postgresql-credentials/);
});

test("with the platform's password the transaction through PgBouncer passes", async () => {
  setSecret(password);
  const { out } = await smoke("--pgbouncer", `127.0.0.1:${bouncer.port}`);
  expect(out).toMatch(/PASS {2}PostgreSQL via PgBouncer: .*bonsai@127\.0\.0\.1:\d+: BEGIN; SELECT 1; COMMIT/);
  expect(out).toMatch(/PASS {2}secrets: every Secret a workload reads exists with its key/);
});

test("unreachable hosts fail within the check's timeout instead of hanging", async () => {
  const closed = await freePort();
  const { code, out } = await smoke(
    "--pgbouncer",
    `127.0.0.1:${closed}`,
    "--https",
    `127.0.0.1:${silentPort}`,
    "--timeout",
    "2",
  );
  expect(code).toBe(1);
  expect(out).toMatch(/FAIL {2}PostgreSQL via PgBouncer: .*(refused|could not connect)/i);
  expect(out).toMatch(/FAIL {2}Grafana: https:\/\/grafana\.bonsai\.local:8443\/ answers — timed out after 2 s/);
});

test("an API server that is not there fails the first check and exits 1", async () => {
  const closed = await freePort();
  const kubeconfig = stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "gone", cluster: { server: `https://127.0.0.1:${closed}`, "insecure-skip-tls-verify": true } }],
    users: [{ name: "u", user: { token: "x" } }],
    contexts: [{ name: "gone", context: { cluster: "gone", user: "u" } }],
    "current-context": "gone",
  });
  const file = `${cluster.cp.kubeconfig}.gone`;
  writeFileSync(file, kubeconfig);
  const { code, out } = await smoke("--kubeconfig", file, "--timeout", "3");
  expect(code).toBe(1);
  expect(out).toMatch(/FAIL {2}cluster: the API server answers — .*(refused|connect)/i);
  expect(out).toMatch(/FAIL {2}workloads: .*/);
});

test("bad input is refused with exit 2", async () => {
  expect((await smoke("--timeout", "forever")).code).toBe(2);
  expect((await smoke("--pgbouncer", "not a host")).code).toBe(2);
});
