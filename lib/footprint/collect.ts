import { existsSync, readdirSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { APP_NAMESPACES } from "../../capabilities/config/platform";
import { guardrailObjectsFor } from "../../capabilities/config/namespace-guardrails";
import { KubeObject, record } from "../../capabilities/k8s/object";
import { localChartRelease } from "../render/helm-release";
import { loadInputs } from "../render/inputs";
import { renderPlatform, REPO_ROOT } from "../render/platform";
import { computeFootprint, Footprint } from "./compute";
import { verdict, Verdict } from "./verdict";

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

const key = (o: KubeObject) =>
  `${o.apiVersion}/${o.kind}/${record(o.metadata)?.namespace ?? ""}/${record(o.metadata)?.name ?? ""}`;

const runsPods = (o: KubeObject) => ["Deployment", "StatefulSet", "DaemonSet"].includes(String(o.kind));

/** The objects a footprint counts, keyed so that an object reached twice counts once. */
class Counted {
  readonly objects = new Map<string, KubeObject>();
  readonly sources: string[] = [];
  readonly notCounted: string[] = [];

  add(list: KubeObject[], source?: string): void {
    for (const o of list) this.objects.set(key(o), o);
    if (source) this.sources.push(source);
  }

  some(test: (o: KubeObject) => boolean): boolean {
    return [...this.objects.values()].some(test);
  }
}

/** Paths given on the command line, read like `bonsai audit` reads them (our charts' HelmReleases rendered). */
function countPaths(c: Counted, paths: string[], cwd: string): void {
  for (const p of paths) {
    const loaded = loadInputs([p], cwd).objects;
    c.add(
      loaded.map(o => o.object),
      relative(cwd, resolve(cwd, p)) || ".",
    );
    for (const source of new Set(loaded.map(o => o.source).filter(s => s.includes("(HelmRelease "))))
      c.sources.push(source);
  }
  for (const hr of [...c.objects.values()].filter(o => o.kind === "HelmRelease" && !localChartRelease(o)))
    c.notCounted.push(
      `HelmRelease ${hr.metadata?.namespace ?? "default"}/${hr.metadata?.name}: chart from a Helm repository, not rendered offline`,
    );
}

/** The platform as clusters/local brings it up (lib/render), plus what the tree does not hold. */
function countPlatform(c: Counted, cwd: string): void {
  if (existsSync(join(cwd, "clusters", "local", "kustomization.yaml"))) {
    const platform = renderPlatform(cwd);
    c.add(platform.entry, "clusters/local");
    for (const l of platform.layers) {
      c.add(l.objects, l.layer.path);
      c.add(l.fromCharts);
      c.sources.push(...l.chartSources);
    }
    c.notCounted.push(...platform.notes);
  } else if (existsSync(join(cwd, "apps"))) countPaths(c, ["apps"], cwd);
  if (!c.some(o => o.metadata?.namespace === "flux-system" && runsPods(o)))
    c.notCounted.push("flux-system: the Flux controllers are not in the tree (flux bootstrap installs them)");
  const pepr = existsSync(join(cwd, "dist"))
    ? readdirSync(join(cwd, "dist")).find(f => /^pepr-module-.*\.yaml$/.test(f))
    : undefined;
  if (c.some(o => o.metadata?.namespace === "pepr-system")) return;
  if (pepr) countPaths(c, [join("dist", pepr)], cwd);
  else
    c.notCounted.push("pepr-system: the module's controller (run `npx pepr build` to count dist/pepr-module-*.yaml)");
}

/** Renders what the platform runs (or what `paths` hold) and sums it. */
export function collectFootprint(opts: { paths?: string[]; k3s?: boolean; cwd?: string } = {}): FootprintReport {
  const cwd = opts.cwd ?? REPO_ROOT;
  const c = new Counted();
  if (opts.paths?.length) countPaths(c, opts.paths, cwd);
  else countPlatform(c, cwd);
  if (opts.k3s !== false) c.add(structuredClone(K3S_BUNDLED), "k3s bundled: coredns, metrics-server");
  // The module creates a LimitRange in every app namespace: its defaults apply even though it is not in git.
  const moduleLimitRanges = APP_NAMESPACES.flatMap(ns => guardrailObjectsFor(ns)).filter(o => o.kind === "LimitRange");
  const footprint = computeFootprint([...c.objects.values()], moduleLimitRanges);
  return { sources: c.sources, notCounted: c.notCounted, footprint, verdict: verdict(footprint) };
}
