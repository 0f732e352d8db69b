/**
 * Metrics store footprint, side by side in one run: VictoriaMetrics single-node (ours, built from the Go module
 * proxy) and Prometheus (Debian's 2.42.0: `apt-get install prometheus`) scrape the same targets with the tree's
 * global settings (apps/metrics/victoria-metrics/scrape.yaml: 15 s interval): a synthetic exporter with SERIES
 * series (a node's worth after our metric_relabel_configs: cAdvisor, kubelet, kube-state-metrics, exporters,
 * apps) whose values change every scrape, and each other. Sampled every 5 s: resident memory (VmRSS, peak VmHWM),
 * CPU time (utime + stime), and at the end the data directory's size on disk.
 * Usage: npx tsx bench/metrics/run.ts [--series 20000] [--seconds 240]
 */
import { execFileSync, spawn, ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, Server } from "node:http";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parse } from "yaml";
import { ensureMetricsBinaries, VICTORIAMETRICS_VERSION } from "../../tools/metrics/binaries";
import { freePort, sleep } from "../../tools/controlplane/processes";
import { loadNow, machineInfo } from "../lib/machine";
import { log, REPO_ROOT, WORK_DIR, writeResult } from "../lib/results";
import { round } from "../lib/stats";
import { procSample, ProcSample } from "../lib/proc-sample";

const { values } = parseArgs({ options: { series: { type: "string" }, seconds: { type: "string" } } });
const SERIES = Number(values.series ?? 20_000);
const SECONDS = Number(values.seconds ?? 240);
const MiB = 2 ** 20;

/** SERIES gauges in 200 families of labelled series; every scrape gets new values. */
function syntheticExporter(port: number): Server {
  let round = 0;
  const families = 200;
  const perFamily = Math.ceil(SERIES / families);
  const server = createServer((_req, res) => {
    round++;
    const lines: string[] = [];
    for (let f = 0; f < families; f++) {
      lines.push(`# TYPE bench_family_${f} gauge`);
      for (let s = 0; s < perFamily; s++)
        lines.push(`bench_family_${f}{pod="pod-${s % 40}",container="c-${s % 3}",id="${s}"} ${(round * 7 + s) % 1000}`);
    }
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
    res.end(lines.join("\n") + "\n");
  });
  server.listen(port, "127.0.0.1");
  return server;
}

const du = (dir: string) => Number(execFileSync("du", ["-sb", dir], { encoding: "utf8" }).split("\t")[0]);

async function main(): Promise<void> {
  const global = (
    parse(readFileSync(join(REPO_ROOT, "apps/metrics/victoria-metrics/scrape.yaml"), "utf8")) as { global: object }
  ).global;
  const work = join(WORK_DIR, "metrics-store");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const [exporterPort, vmPort, promPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const exporter = syntheticExporter(exporterPort);
  const config = (self: number, other: number) => ({
    global,
    scrape_configs: [
      { job_name: "synthetic", static_configs: [{ targets: [`127.0.0.1:${exporterPort}`] }] },
      { job_name: "self", static_configs: [{ targets: [`127.0.0.1:${self}`] }] },
      { job_name: "other-store", static_configs: [{ targets: [`127.0.0.1:${other}`] }] },
    ],
  });
  writeFileSync(join(work, "vm.yaml"), JSON.stringify(config(vmPort, promPort)));
  writeFileSync(join(work, "prom.yaml"), JSON.stringify(config(promPort, vmPort)));
  const vmData = join(work, "vm-data");
  const promData = join(work, "prom-data");
  const procs: Record<string, ChildProcess> = {
    "victoria-metrics": spawn(
      ensureMetricsBinaries().victoriaMetrics,
      [
        `-storageDataPath=${vmData}`,
        "-retentionPeriod=15d",
        `-promscrape.config=${join(work, "vm.yaml")}`,
        "-memory.allowedPercent=50",
        `-httpListenAddr=127.0.0.1:${vmPort}`,
        "-loggerLevel=ERROR",
      ],
      { stdio: "ignore" },
    ),
    prometheus: spawn(
      "prometheus",
      [
        `--config.file=${join(work, "prom.yaml")}`,
        `--storage.tsdb.path=${promData}`,
        "--storage.tsdb.retention.time=15d",
        `--web.listen-address=127.0.0.1:${promPort}`,
        "--log.level=error",
      ],
      { stdio: "ignore" },
    ),
  };
  const series: Record<string, ProcSample[]> = { "victoria-metrics": [], prometheus: [] };
  log(
    `scraping ${SERIES} synthetic series every ${(global as { scrape_interval: string }).scrape_interval} for ${SECONDS} s`,
  );
  try {
    const end = Date.now() + SECONDS * 1000;
    while (Date.now() < end) {
      await sleep(5000);
      for (const [name, p] of Object.entries(procs)) {
        if (p.exitCode !== null) throw new Error(`${name} exited (${p.exitCode})`);
        series[name].push(procSample(p.pid!));
      }
    }
    const count = async (port: number, path: string) =>
      (await (await fetch(`http://127.0.0.1:${port}${path}`)).json()) as {
        data: { result: { value: [number, string] }[] };
      };
    const ingested = {
      "victoria-metrics": (await count(vmPort, "/api/v1/query?query=count(bench_family_0)")).data.result[0]?.value[1],
      prometheus: (await count(promPort, "/api/v1/query?query=count(bench_family_0)")).data.result[0]?.value[1],
    };
    const disk = { "victoria-metrics": du(vmData), prometheus: du(promData) };
    const summary = Object.fromEntries(
      Object.entries(series).map(([name, s]) => {
        const steady = s.slice(Math.floor(s.length / 2));
        return [
          name,
          {
            rssMiBMedianSecondHalf: round(
              steady.map(x => x.rssMiB).sort((a, b) => a - b)[Math.floor(steady.length / 2)],
              1,
            ),
            peakRssMiB: round(Math.max(...s.map(x => x.hwmMiB)), 1),
            cpuSeconds: round(s[s.length - 1].cpuSeconds, 2),
            cpuPercentOfOneCore: round((100 * s[s.length - 1].cpuSeconds) / SECONDS, 1),
            diskMiB: round(disk[name as keyof typeof disk] / MiB, 1),
            seriesPerFamilyStored: ingested[name as keyof typeof ingested],
          },
        ];
      }),
    );
    const vm = summary["victoria-metrics"];
    const prom = summary.prometheus;
    const ratios = {
      peakRss: round(vm.peakRssMiB / prom.peakRssMiB, 2),
      cpu: round(vm.cpuSeconds / prom.cpuSeconds, 2),
      disk: round(vm.diskMiB / prom.diskMiB, 2),
    };
    process.stdout.write(JSON.stringify({ summary, ratiosVmOverPrometheus: ratios }, null, 2) + "\n");
    const path = await writeResult("metrics-store", {
      benchmark: "metrics-store",
      date: new Date().toISOString(),
      command: `npx tsx bench/metrics/run.ts --series ${SERIES} --seconds ${SECONDS}`,
      machine: machineInfo(),
      load: loadNow(),
      versions: {
        victoriaMetrics: VICTORIAMETRICS_VERSION,
        prometheus: execFileSync("prometheus", ["--version"], { encoding: "utf8" }).split("\n")[0],
      },
      series: SERIES,
      seconds: SECONDS,
      summary,
      ratiosVmOverPrometheus: ratios,
      samples: series,
    });
    log(`wrote ${path}`);
  } finally {
    for (const p of Object.values(procs)) p.kill("SIGTERM");
    exporter.close();
    await sleep(2000);
    for (const p of Object.values(procs)) if (p.exitCode === null) p.kill("SIGKILL");
  }
}

main().catch(err => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
