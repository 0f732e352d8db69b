/**
 * The metrics layer's exporters started from their Deployments in apps/metrics/exporters, as local processes:
 *
 *   const pgx = await startPostgresExporter({ objects, secrets, services });    // Debian's postgres_exporter
 *   const pbx = await startPgbouncerExporter({ objects, secrets, services });   // spreaker's, from PyPI
 *
 * The container's args and env are used as written; the peers' Service addresses are resolved to loopback through
 * the harness's ServiceMap and the listen address is a free loopback port.
 */
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { KubeObject } from "../../../capabilities/k8s/object";
import { cacheRoot } from "../../../tools/cache";
import { containerEnv, containerOf, findObject, imageTag, SecretValues } from "../real/manifests";
import { freePort, makeStateDir, RealProcess, removeStateDir, runToCompletion, spawnReal } from "../real/process";
import { ServiceMap } from "../real/services";
import { rewriteArgs } from "./store";

export interface Exporter {
  /** host:port to scrape. */
  target: string;
  /** Its working directory (the harness's own files: config, log). */
  stateDir: string;
  process: RealProcess;
  stop(): Promise<void>;
}

interface Options {
  objects: KubeObject[];
  secrets: SecretValues;
  services: ServiceMap;
}

/** `host:port` at the start of `text` (up to the first "/"), resolved to its loopback stand-in. */
function resolveHostPort(services: ServiceMap, hostPort: string, where: string): string {
  const colon = hostPort.lastIndexOf(":");
  if (colon < 0) throw new Error(`${where}: ${hostPort} has no port`);
  const local = services.resolve(hostPort.slice(0, colon), Number(hostPort.slice(colon + 1)));
  return `${local.host}:${local.port}`;
}

async function waitForMetrics(process: RealProcess, target: string, what: string): Promise<void> {
  await process.waitReady(
    `${what} /metrics`,
    async () => (await fetch(`http://${target}/metrics`, { signal: AbortSignal.timeout(5000) })).ok,
    60_000,
  );
}

/** Debian's prometheus-postgres-exporter (the version the Deployment's image tag names, checked). */
export async function startPostgresExporter(opts: Options): Promise<Exporter> {
  const w = containerOf(opts.objects, "Deployment", "postgres-exporter");
  const env = containerEnv(w, opts.objects, opts.secrets);
  const uri = env.DATA_SOURCE_URI ?? "";
  const slash = uri.indexOf("/");
  if (slash < 0) throw new Error(`Deployment postgres-exporter: DATA_SOURCE_URI ${uri} has no /database`);
  env.DATA_SOURCE_URI = resolveHostPort(opts.services, uri.slice(0, slash), "DATA_SOURCE_URI") + uri.slice(slash);
  const bin = "/usr/bin/prometheus-postgres-exporter";
  // It prints its version on stderr.
  const v = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: 10_000 });
  const version = `${v.stdout ?? ""}${v.stderr ?? ""}`.split("\n")[0];
  const want = imageTag(w.container.image ?? "").replace(/^v/, "");
  if (!version.includes(`version ${want} `))
    throw new Error(
      `${bin} is "${version || v.error?.message}", not ${want} (the image's tag): run scripts/ensure-system-packages.sh`,
    );
  const port = await freePort();
  const args = rewriteArgs("Deployment postgres-exporter", w.container.args ?? [], {
    "--web.listen-address": `127.0.0.1:${port}`,
  });
  const state = makeStateDir("postgres-exporter");
  const process = spawnReal({
    name: "postgres-exporter",
    command: bin,
    args,
    env,
    stateDir: state,
    unprivileged: true,
  });
  const target = `127.0.0.1:${port}`;
  await waitForMetrics(process, target, "postgres_exporter");
  return { target, stateDir: state, process, stop: async () => (await process.stop(), removeStateDir(state)) };
}

/**
 * spreaker/prometheus-pgbouncer-exporter at the image's version, in a venv cached under
 * ~/.cache/bonsai/pgbouncer-exporter-<version>/ (marker written last). Its pinned psycopg2 2.8.5 has no wheel for
 * current Pythons: psycopg2-binary 2.9.10 provides the same module.
 */
export function pgbouncerExporterBinary(version: string): string {
  const dir = join(cacheRoot(), `pgbouncer-exporter-${version}`);
  const bin = join(dir, "bin", "pgbouncer-exporter");
  if (existsSync(join(dir, ".complete"))) return bin;
  runToCompletion("python3 -m venv", "python3", ["-m", "venv", "--clear", dir], { timeoutMs: 120_000 });
  const pins = [
    `prometheus-pgbouncer-exporter==${version}`,
    "prometheus_client==0.8.0",
    "python-json-logger==0.1.11",
    "PyYAML==6.0.2",
    "psycopg2-binary==2.9.10",
  ];
  runToCompletion(
    "pip install the PgBouncer exporter",
    join(dir, "bin", "pip"),
    ["install", "-q", "--no-deps", ...pins],
    {
      timeoutMs: 300_000,
      env: { HOME: process.env.HOME ?? "/root" },
    },
  );
  writeFileSync(join(dir, ".complete"), pins.join("\n") + "\n");
  return bin;
}

export async function startPgbouncerExporter(opts: Options): Promise<Exporter> {
  const w = containerOf(opts.objects, "Deployment", "pgbouncer-exporter");
  const env = containerEnv(w, opts.objects, opts.secrets);
  const volume = (
    w.object.spec as { template: { spec: { volumes: { name: string; configMap?: { name: string } }[] } } }
  ).template.spec.volumes.find(v => v.name === "config");
  const cm = findObject(opts.objects, "ConfigMap", String(volume?.configMap?.name));
  const config = parse(String((cm.data as Record<string, string>)["config.yml"])) as {
    exporter_host: string;
    exporter_port: number;
    pgbouncers: { dsn: string }[];
  };
  const port = await freePort();
  config.exporter_host = "127.0.0.1";
  config.exporter_port = port;
  for (const pb of config.pgbouncers) {
    // postgresql://user:$(PASS)@host:port/db — only host:port changes; the $(PASS) placeholder stays for the exporter.
    const at = pb.dsn.lastIndexOf("@");
    const slash = pb.dsn.indexOf("/", at);
    if (at < 0 || slash < 0)
      throw new Error(`ConfigMap ${cm.metadata?.name} config.yml: dsn ${pb.dsn} is not user@host:port/db`);
    pb.dsn =
      pb.dsn.slice(0, at + 1) +
      resolveHostPort(opts.services, pb.dsn.slice(at + 1, slash), "dsn") +
      pb.dsn.slice(slash);
  }
  const state = makeStateDir("pgbouncer-exporter");
  const file = join(state, "config.yml");
  writeFileSync(file, stringify(config));
  const args = (w.container.args ?? []).map(a => (a === "/etc/pgbouncer-exporter/config.yml" ? file : a));
  if (!args.includes(file))
    throw new Error("Deployment pgbouncer-exporter: args do not name /etc/pgbouncer-exporter/config.yml");
  const bin = pgbouncerExporterBinary(imageTag(w.container.image ?? ""));
  // In its state dir: anything it writes relative to its working directory stays there.
  const process = spawnReal({ name: "pgbouncer-exporter", command: bin, args, env, stateDir: state, cwd: state });
  const target = `127.0.0.1:${port}`;
  await waitForMetrics(process, target, "pgbouncer exporter");
  return { target, stateDir: state, process, stop: async () => (await process.stop(), removeStateDir(state)) };
}
