/**
 * VictoriaMetrics single-node and vmalert (built from the Go module proxy, tools/metrics/binaries.ts) started as
 * local processes with the args of the tree's StatefulSet and Deployment; only paths and listen addresses are
 * rewritten (the data dir into a fresh state dir, the config files to where the test wrote them, 127.0.0.1 and a
 * free port):
 *
 *   const vm = await startVictoriaMetrics({ objects, scrapeConfigFile });
 *   await vm.query("up");                        // instant query, the result vector
 *   const alert = await startVmalert({ objects, ruleFiles, datasourceUrl: vm.url });
 *   await vm.stop();
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { KubeObject } from "../../../capabilities/k8s/object";
import { ensureMetricsBinaries } from "../../../tools/metrics/binaries";
import { containerOf } from "../real/manifests";
import { freePort, makeStateDir, RealProcess, removeStateDir, spawnReal } from "../real/process";
import { respondsOk } from "../../../tools/controlplane/probe";

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface MetricsProcess {
  url: string;
  process: RealProcess;
  /** The args it was started with (the tree's, with the rewrites above). */
  args: string[];
  stop(): Promise<void>;
}

export interface Store extends MetricsProcess {
  /** Instant query; throws with the store's error text (a malformed expression names itself). */
  query(expr: string): Promise<Sample[]>;
}

/** GET a JSON API of VictoriaMetrics/vmalert; throws with the body when it answers an error. */
export async function getJson<T>(url: string): Promise<T> {
  // One retry on a connection error: a reused keep-alive socket the server has just closed is not an answer.
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) }).catch(() =>
    fetch(url, { signal: AbortSignal.timeout(10_000) }),
  );
  const text = await res.text();
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}: ${text.slice(0, 2000)}`);
  return JSON.parse(text) as T;
}

/**
 * The container's args with `-flag=value` replaced for the flags in `rewrite` (a missing flag is an error: the
 * manifest must set what the test depends on) and any flags in `add` appended.
 */
export function rewriteArgs(
  where: string,
  args: string[],
  rewrite: Record<string, string>,
  add: string[] = [],
): string[] {
  const seen = new Set<string>();
  const out = args.map(a => {
    const eq = a.indexOf("=");
    const flag = eq > 0 ? a.slice(0, eq) : a;
    if (!(flag in rewrite)) return a;
    seen.add(flag);
    return `${flag}=${rewrite[flag]}`;
  });
  const missing = Object.keys(rewrite).filter(f => !seen.has(f));
  if (missing.length) throw new Error(`${where}: args do not set ${missing.join(", ")}; the test rewrites them`);
  return [...out, ...add];
}

async function startServer(name: string, command: string, args: string[], state: string): Promise<MetricsProcess> {
  // As the test's own user: the binaries live in its cache (under a home other users may not enter).
  const process = spawnReal({ name, command, args, stateDir: state, cwd: state });
  const url = args.find(a => a.startsWith("-httpListenAddr="))!.replace("-httpListenAddr=", "http://");
  await process.waitReady(`${name} /health`, () => respondsOk(`${url}/health`), 60_000);
  return {
    url,
    process,
    args,
    stop: async () => {
      await process.stop();
      removeStateDir(state);
    },
  };
}

export async function startVictoriaMetrics(opts: {
  objects: KubeObject[];
  /** The scrape configuration (YAML text) to run. */
  scrapeConfig: string;
  /** The port to listen on (the scrape configuration may name it for the self-scrape); default: a free one. */
  port?: number;
}): Promise<Store> {
  const w = containerOf(opts.objects, "StatefulSet", "victoria-metrics");
  const state = makeStateDir("victoria-metrics");
  const configFile = join(state, "scrape.yaml");
  writeFileSync(configFile, opts.scrapeConfig);
  const port = opts.port ?? (await freePort());
  const args = rewriteArgs(`StatefulSet victoria-metrics`, w.container.args ?? [], {
    "-storageDataPath": join(state, "data"),
    "-promscrape.config": configFile,
    "-httpListenAddr": `127.0.0.1:${port}`,
  });
  const bin = ensureMetricsBinaries().victoriaMetrics;
  const server = await startServer("victoria-metrics", bin, args, state);
  return {
    ...server,
    query: async expr => {
      const body = await getJson<{ status: string; data: { result: Sample[] }; error?: string }>(
        `${server.url}/api/v1/query?query=${encodeURIComponent(expr)}`,
      );
      if (body.status !== "success") throw new Error(`query ${expr}: ${body.error}`);
      return body.data.result;
    },
  };
}

export interface VmAlert extends MetricsProcess {
  /** Alerts vmalert holds now (state pending or firing). */
  alerts(): Promise<{ name: string; state: string; labels: Record<string, string>; value: string }[]>;
}

export async function startVmalert(opts: {
  objects: KubeObject[];
  /** The rule files to evaluate (paths). */
  ruleGlob: string;
  storeUrl: string;
  port?: number;
}): Promise<VmAlert> {
  const w = containerOf(opts.objects, "Deployment", "vmalert");
  const state = makeStateDir("vmalert");
  const port = opts.port ?? (await freePort());
  const args = rewriteArgs(`Deployment vmalert`, w.container.args ?? [], {
    "-rule": opts.ruleGlob,
    "-datasource.url": opts.storeUrl,
    "-remoteWrite.url": opts.storeUrl,
    "-remoteRead.url": opts.storeUrl,
    "-httpListenAddr": `127.0.0.1:${port}`,
  });
  const server = await startServer("vmalert", ensureMetricsBinaries().vmalert, args, state);
  return {
    ...server,
    alerts: async () => {
      const body = await getJson<{ data: { alerts: VmalertAlert[] } }>(`${server.url}/api/v1/alerts`);
      return body.data.alerts.map(a => ({ name: a.name, state: a.state, labels: a.labels, value: a.value }));
    },
  };
}

interface VmalertAlert {
  name: string;
  state: string;
  labels: Record<string, string>;
  value: string;
}
