import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { stringify } from "yaml";
import { APP_NAMESPACES } from "../../capabilities/config/platform";
import { KubeObject, record } from "../../capabilities/k8s/object";
import { guardrailObjectsFor } from "../../capabilities/config/namespace-guardrails";
import {
  computeFootprint,
  Footprint,
  MAC_MINI,
  NamespaceFootprint,
  verdict,
  Verdict,
} from "../../lib/footprint/compute";
import { localChartRelease } from "../../lib/render/helm-release";
import { InputError, loadInputs, parseYaml } from "../../lib/render/inputs";

const HELP = `Usage: bonsai footprint [options] [path...]

Renders the platform and sums the requests and limits (CPU, memory) and persistent storage of everything
it runs, per namespace and in total, against a ${MAC_MINI.hostMemoryGiB} GB Mac Mini whose Docker VM gets ${MAC_MINI.dockerVmMemoryGiB} GB (the platform's
memory requests must stay within ${MAC_MINI.memoryRequestsTargetGiB} GiB).

Without paths: the Flux Kustomizations of clusters/local (each spec.path rendered with kustomize), or every
kustomization root under apps/ when there are none; HelmReleases of our charts rendered with helm; the
module's controller from dist/pepr-module-*.yaml when built; k3s's bundled CoreDNS and metrics-server.

Options:
  --format <f>   table|json (default: table)
  --details      list every workload in the table
  --no-k3s       leave out k3s's bundled components
  -h, --help     this text

Exit codes: 0 fits, 1 does not fit, 2 bad usage or unreadable input.
`;

/** k3s's bundled components that request resources (its coredns.yaml and metrics-server manifests). */
export const K3S_BUNDLED: KubeObject[] = [
  { name: "coredns", requests: { cpu: "100m", memory: "70Mi" }, limits: { memory: "170Mi" } },
  { name: "metrics-server", requests: { cpu: "100m", memory: "70Mi" }, limits: undefined },
].map(c => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: c.name, namespace: "kube-system", annotations: { "bonsai.dev/source": "k3s bundled manifest" } },
  spec: {
    replicas: 1,
    template: { spec: { containers: [{ name: c.name, resources: { requests: c.requests, limits: c.limits } }] } },
  },
}));

export interface FootprintReport {
  sources: string[];
  notCounted: string[];
  footprint: Footprint;
  verdict: Verdict;
}

const ROOT = resolve(__dirname, "..", "..");
const key = (o: KubeObject) =>
  `${o.apiVersion}/${o.kind}/${record(o.metadata)?.namespace ?? ""}/${record(o.metadata)?.name ?? ""}`;

type HelmTools = { helmBinary?: () => string };

/** tools/helm.ts when it exists (another engineer's), loaded lazily: the binary renders our charts. */
async function helmBinary(): Promise<string | undefined> {
  if (!existsSync(join(ROOT, "tools", "helm.ts"))) return undefined;
  try {
    const mod = (await import(join(ROOT, "tools", "helm.ts"))) as HelmTools;
    return typeof mod.helmBinary === "function" ? mod.helmBinary() : undefined;
  } catch {
    return undefined;
  }
}

function helmTemplate(bin: string, rel: { release: string; namespace: string; chartPath: string; values: object }) {
  const dir = mkdtempSync(join(tmpdir(), "bonsai-footprint-"));
  try {
    const values = join(dir, "values.yaml");
    writeFileSync(values, stringify(rel.values));
    return execFileSync(
      bin,
      ["template", rel.release, join(ROOT, rel.chartPath), "--namespace", rel.namespace, "--values", values],
      {
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Renders what the platform runs and sums it. */
export async function collectFootprint(
  opts: { paths?: string[]; k3s?: boolean; cwd?: string } = {},
): Promise<FootprintReport> {
  const cwd = opts.cwd ?? ROOT;
  const sources: string[] = [];
  const notCounted: string[] = [];
  const objects = new Map<string, KubeObject>();
  const addAll = (list: KubeObject[], targetNamespace?: string) => {
    for (const o of list) {
      if (targetNamespace && o.metadata && !o.metadata.namespace && o.kind !== "Namespace")
        o.metadata = { ...o.metadata, namespace: targetNamespace };
      objects.set(key(o), o);
    }
  };
  const render = (path: string, targetNamespace?: string) => {
    addAll(
      loadInputs([path], cwd).objects.map(o => o.object),
      targetNamespace,
    );
    sources.push(relative(cwd, resolve(cwd, path)) || ".");
  };

  if (opts.paths?.length) {
    for (const p of opts.paths) render(p);
  } else {
    const entry = join(cwd, "clusters", "local");
    const fluxKustomizations: KubeObject[] = [];
    if (existsSync(entry)) {
      const loaded = loadInputs([entry], cwd).objects.map(o => o.object);
      addAll(loaded);
      sources.push("clusters/local");
      fluxKustomizations.push(
        ...loaded.filter(
          o => o.kind === "Kustomization" && String(o.apiVersion).startsWith("kustomize.toolkit.fluxcd.io/"),
        ),
      );
    }
    const paths = new Map<string, string | undefined>();
    for (const k of fluxKustomizations) {
      const spec = record(k.spec) ?? {};
      if (typeof spec.path === "string") paths.set(spec.path.replace(/^\.\//, ""), spec.targetNamespace as string);
    }
    if (!paths.size && existsSync(join(cwd, "apps"))) paths.set("apps", undefined);
    for (const [p, ns] of paths) {
      if (existsSync(join(cwd, p))) render(p, ns);
      else notCounted.push(`${p}: path of a Flux Kustomization, not found`);
    }
    const pepr = existsSync(join(cwd, "dist"))
      ? readdirSync(join(cwd, "dist")).find(f => /^pepr-module-.*\.yaml$/.test(f))
      : undefined;
    const hasPepr = [...objects.values()].some(o => o.metadata?.namespace === "pepr-system");
    const runsPods = (o: KubeObject) => ["Deployment", "StatefulSet", "DaemonSet"].includes(String(o.kind));
    if (![...objects.values()].some(o => o.metadata?.namespace === "flux-system" && runsPods(o)))
      notCounted.push("flux-system: the Flux controllers are not in the tree (flux bootstrap installs them)");
    if (pepr && !hasPepr) render(join("dist", pepr));
    else if (!hasPepr)
      notCounted.push("pepr-system: the module's controller (run `npx pepr build` to count dist/pepr-module-*.yaml)");
  }

  // HelmReleases: ours are rendered with helm; charts from Helm repositories cannot be rendered offline.
  const releases = [...objects.values()].filter(o => o.kind === "HelmRelease");
  const bin = releases.length ? await helmBinary() : undefined;
  for (const hr of releases) {
    const name = `HelmRelease ${hr.metadata?.namespace ?? "default"}/${hr.metadata?.name}`;
    const local = localChartRelease(hr);
    if (!local) {
      notCounted.push(`${name}: chart from a Helm repository, not rendered offline`);
      continue;
    }
    if (!bin) {
      notCounted.push(`${name}: needs helm (tools/helm.ts with helmBinary()) to render ${local.chartPath}`);
      continue;
    }
    try {
      addAll(
        parseYaml(helmTemplate(bin, local), name).objects.map(o => o.object),
        local.namespace,
      );
      sources.push(`${local.chartPath} (${name})`);
    } catch (err) {
      notCounted.push(`${name}: helm template failed: ${(err as Error).message.split("\n")[0]}`);
    }
  }
  if (opts.k3s !== false) {
    addAll(structuredClone(K3S_BUNDLED));
    sources.push("k3s bundled: coredns, metrics-server");
  }

  // The module creates a LimitRange in every app namespace: its defaults apply even though it is not in git.
  const moduleLimitRanges = APP_NAMESPACES.flatMap(ns => guardrailObjectsFor(ns)).filter(o => o.kind === "LimitRange");
  const footprint = computeFootprint([...objects.values()], moduleLimitRanges);
  return { sources, notCounted, footprint, verdict: verdict(footprint) };
}

const cores = (v: number) => (v ? `${Math.round(v * 1000)}m` : "0");
const mem = (bytes: number) =>
  bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)}Gi` : `${Math.round(bytes / 2 ** 20)}Mi`;
const unb = (n: number) => (n ? ` +${n} unbounded` : "");

export function formatFootprint(r: FootprintReport, details = false): string {
  const row = (n: NamespaceFootprint) => [
    n.namespace,
    String(n.pods),
    cores(n.requests.cpu),
    cores(n.limits.cpu) + unb(n.limits.cpuUnbounded),
    mem(n.requests.memory),
    mem(n.limits.memory) + unb(n.limits.memoryUnbounded),
    mem(n.storage),
  ];
  const rows = [
    ["NAMESPACE", "PODS", "CPU REQ", "CPU LIM", "MEM REQ", "MEM LIM", "STORAGE"],
    ...r.footprint.namespaces.map(row),
    row(r.footprint.total),
  ];
  const table = (rs: string[][]) => {
    const w = rs[0].map((_, i) => Math.max(...rs.map(x => x[i].length)));
    return rs.map(x => x.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ")).join("\n");
  };
  const out = [table(rows), ""];
  if (details) {
    const wrows = [["WORKLOAD", "PODS (FROM)", "CPU REQ", "MEM REQ", "MEM LIM", "STORAGE"]];
    for (const w of r.footprint.workloads)
      wrows.push([
        `${w.kind} ${w.namespace}/${w.name}`,
        `${w.pods} (${w.podsFrom})`,
        cores(w.requests.cpu),
        mem(w.requests.memory),
        mem(w.limits.memory) + unb(w.limits.memoryUnbounded),
        mem(w.storage),
      ]);
    out.push(table(wrows), "");
  }
  const v = r.verdict;
  out.push(
    v.fits
      ? `FITS: ${v.memoryRequestsGiB} GiB of memory requests, ${v.headroomGiB} GiB under the ${MAC_MINI.memoryRequestsTargetGiB} GiB target; ${v.cpuRequests} CPU requested.`
      : `DOES NOT FIT: ${v.memoryRequestsGiB} GiB of memory requests, ${-v.headroomGiB} GiB over the ${MAC_MINI.memoryRequestsTargetGiB} GiB target; ${v.cpuRequests} CPU requested.`,
  );
  for (const reason of v.reasons) out.push(`  - ${reason}`);
  out.push(`Counted: ${r.sources.join(", ") || "nothing"}`);
  if (r.notCounted.length) {
    out.push("Not counted (the numbers above are a lower bound):");
    for (const n of r.notCounted) out.push(`  - ${n}`);
  }
  return out.join("\n") + "\n";
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: "string", default: "table" },
        details: { type: "boolean", default: false },
        "no-k3s": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`bonsai footprint: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.format !== "table" && values.format !== "json") {
    process.stderr.write(`bonsai footprint: unknown --format "${values.format}" (use table, json)\n\n${HELP}`);
    return 2;
  }
  let report: FootprintReport;
  try {
    report = await collectFootprint({ paths: positionals, k3s: !values["no-k3s"], cwd: process.cwd() });
  } catch (err) {
    if (err instanceof InputError) {
      process.stderr.write(`bonsai footprint: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  process.stdout.write(
    values.format === "json" ? JSON.stringify(report, null, 2) + "\n" : formatFootprint(report, values.details),
  );
  return report.verdict.fits ? 0 : 1;
}
