import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { KubeObject, list, record } from "../../capabilities/k8s/object";
import { Check, fail, Outcome, pass, skip } from "./runner";
import { listObjects, secretValue, SmokeKubectl } from "./kube";
import { psqlArgs } from "./psql";

export interface DataTargets {
  /** Where http:// URLs are sent (k3d: 127.0.0.1:8080) and https:// ones (127.0.0.1:8443); undefined: no data path. */
  http?: string;
  https?: string;
  /** The local CA the ingress certificate is checked against. */
  caFile: string;
  /** PgBouncer as host:port; undefined on k3d means a kubectl port-forward to Service infra/postgresql. */
  pgbouncer?: string;
  /** Whether pods run containers (k3d) or are kwok fakes (embedded). */
  containers: boolean;
}

const NO_DATA_PATH = "skipped: the embedded plane's pods are kwok fakes (no containers, no ingress data path)";

const hostPort = (s: string) => {
  const at = s.lastIndexOf(":");
  return { host: s.slice(0, at), port: Number(s.slice(at + 1)) };
};

/** GET through the ingress address with the URL's Host (and SNI); status and Location only. */
function fetchVia(
  url: URL,
  via: string,
  caFile: string,
  signal: AbortSignal,
): Promise<{ status: number; location?: string }> {
  const { host, port } = hostPort(via);
  const https = url.protocol === "https:";
  const ca = https && existsSync(caFile) ? readFileSync(caFile) : undefined;
  const request = https ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host,
        port,
        path: url.pathname + url.search,
        headers: { host: url.host },
        servername: url.hostname,
        ca,
        signal,
      },
      res => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, location: res.headers.location });
      },
    );
    req.on("error", reject);
    req.end();
  });
}

export function urlChecks(urls: string[], t: DataTargets): Check[] {
  return urls.map(line => {
    const url = new URL(line.split(/\s+/)[0]);
    const name = line.split(/\s+/).slice(1).join(" ") || url.hostname;
    return {
      component: name,
      check: `${url.href} answers`,
      run: async signal => {
        const via = url.protocol === "https:" ? t.https : t.http;
        if (!via) return skip(NO_DATA_PATH);
        try {
          const r = await fetchVia(url, via, t.caFile, signal);
          if (r.status >= 300 && r.status < 400 && r.location?.startsWith("https://") && url.protocol === "http:")
            return fail(
              `redirected to ${r.location}`,
              'the controller must not redirect HTTP (ConfigMap nginx-config: ssl-redirect "False")',
            );
          return r.status < 400 || r.status === 401
            ? pass(`HTTP ${r.status}`)
            : fail(`HTTP ${r.status}`, `kubectl get ingress -A; check the Service behind ${url.hostname}`);
        } catch (err) {
          const msg = (err as Error).message;
          const fix = /certificate|self.signed|issuer/i.test(msg)
            ? `trust the local CA (${t.caFile}): docs/runtime-contract.md#manual-steps-once-per-mac`
            : `is ${via} the k3d load balancer? is ${url.hostname} in /etc/hosts? (docs/runtime-contract.md)`;
          return fail(msg, fix);
        }
      },
    };
  });
}

function envOf(o: KubeObject | undefined): Record<string, { value?: string; secret?: { name: string; key: string } }> {
  const c = record(list(record(record(record(o?.spec)?.template)?.spec)?.containers)[0]);
  return Object.fromEntries(
    list(c?.env).map(e => {
      const r = record(e) ?? {};
      const s = record(record(r.valueFrom)?.secretKeyRef);
      return [
        String(r.name),
        { value: r.value as string | undefined, secret: s ? { name: String(s.name), key: String(s.key) } : undefined },
      ];
    }),
  );
}

/** `kubectl port-forward` to a Service on a free loopback port; the caller stops it. */
function portForward(kubectl: string, target: string[], ns: string, svc: string, port: number) {
  const child = spawn(
    kubectl,
    [...target, "port-forward", "-n", ns, `svc/${svc}`, `:${port}`, "--address", "127.0.0.1"],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const local = new Promise<number>((resolve, reject) => {
    child.stdout.on("data", (b: Buffer) => {
      const m = /127\.0\.0\.1:(\d+)/.exec(b.toString());
      if (m) resolve(Number(m[1]));
    });
    child.on("exit", code => reject(new Error(`kubectl port-forward exited (${code})`)));
  });
  return { local, stop: () => child.kill("SIGTERM") };
}

export function pgbouncerCheck(
  kubectl: SmokeKubectl,
  kubectlCmd: { binary: string; target: string[] },
  t: DataTargets,
  timeoutMs: number,
): Check {
  return {
    component: "PostgreSQL via PgBouncer",
    check: "a transaction with the platform's credentials",
    run: async () => {
      if (!t.pgbouncer && !t.containers)
        return skip(`${NO_DATA_PATH}; pass --pgbouncer host:port to check a running PgBouncer`);
      if (spawnSync("psql", ["--version"]).status !== 0)
        return skip("psql is not installed here (macOS: brew install libpq)");
      const deploy = listObjects(kubectl, "deployments", timeoutMs).find(
        o => o.metadata?.namespace === "infra" && o.metadata?.name === "pgbouncer",
      );
      if (!deploy) return fail("Deployment infra/pgbouncer is not in the cluster", "apply the infra layer (bonsai up)");
      const env = envOf(deploy);
      const user = env.DB_USER?.value ?? "postgres";
      const ref = env.DB_PASSWORD?.secret;
      const password = ref ? secretValue(kubectl, "infra", ref.name, ref.key, timeoutMs) : env.DB_PASSWORD?.value;
      if (password === undefined)
        return fail(
          `Secret infra/${ref?.name} key ${ref?.key} is missing`,
          "create it (docs/bootstrap.md) or let bonsai up make a stand-in",
        );
      const forward = t.pgbouncer
        ? undefined
        : portForward(kubectlCmd.binary, kubectlCmd.target, "infra", "postgresql", 5432);
      try {
        const target = t.pgbouncer ?? `127.0.0.1:${await forward!.local}`;
        const { host, port } = hostPort(target);
        const r = spawnSync(
          "psql",
          psqlArgs(host, port, user, env.DB_NAME?.value || user, "BEGIN; SELECT 1; COMMIT;"),
          {
            encoding: "utf8",
            timeout: timeoutMs,
            env: {
              ...process.env,
              PGPASSWORD: password,
              PGCONNECT_TIMEOUT: String(Math.max(1, Math.floor(timeoutMs / 2000))),
              PGSSLMODE: "disable",
            },
          },
        );
        if (r.status === 0 && r.stdout.includes("1")) return pass(`${user}@${target}: BEGIN; SELECT 1; COMMIT`);
        const why = (r.stderr || r.error?.message || `exit ${r.status}`).trim().split("\n")[0];
        const fix = /password|SASL/i.test(why)
          ? `the pooler's userlist and PostgreSQL disagree with Secret infra/${ref?.name}: restart deploy/pgbouncer after changing it`
          : `kubectl -n infra get pods; is PgBouncer at ${target}?`;
        return fail(why, fix);
      } finally {
        forward?.stop();
      }
    },
  };
}

export function kafkaCheck(kubectl: SmokeKubectl, t: DataTargets, timeoutMs: number): Check {
  return {
    component: "Kafka",
    check: "accepts a message and returns it",
    run: async (): Promise<Outcome> => {
      if (!t.containers) return skip(NO_DATA_PATH);
      const value = `smoke-${Date.now()}`;
      const script = [
        "set -e",
        "B=localhost:9092",
        `echo ${value} | /opt/kafka/bin/kafka-console-producer.sh --bootstrap-server $B --topic bonsai.smoke`,
        `/opt/kafka/bin/kafka-console-consumer.sh --bootstrap-server $B --topic bonsai.smoke --from-beginning --max-messages 1000 --timeout-ms ${timeoutMs / 2} 2>/dev/null | grep -x ${value}`,
      ].join("; ");
      const r = kubectl(["exec", "-n", "infra", "kafka-0", "-c", "kafka", "--", "sh", "-c", script], timeoutMs);
      return r.code === 0 && r.stdout.includes(value)
        ? pass(`produced and consumed ${value} on bonsai.smoke`)
        : fail(
            (r.stderr || `exit ${r.code}`).split("\n")[0],
            "kubectl -n infra logs kafka-0; is the advertised listener's Service (infra/kafka) there?",
          );
    },
  };
}
