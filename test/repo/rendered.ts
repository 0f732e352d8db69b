import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { loadAll } from "js-yaml";
import { isRecord, KubeObject } from "../../capabilities/k8s/object";
import { kustomizeBuild } from "../../tools/kustomize";
import { renderLocalRelease } from "../../lib/render/charts";

export const REPO = join(__dirname, "..", "..");

/** Every directory under apps/ and clusters/ that holds a kustomization.yaml. */
export function kustomizationRoots(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    const entries = readdirSync(dir);
    if (entries.includes("kustomization.yaml")) out.push(relative(REPO, dir));
    for (const e of entries) if (!e.startsWith(".") && statSync(join(dir, e)).isDirectory()) walk(join(dir, e));
  };
  walk(join(REPO, "apps"));
  walk(join(REPO, "clusters"));
  return out.sort();
}

export const parse = (text: string): KubeObject[] => loadAll(text).filter(isRecord) as KubeObject[];

let cache: KubeObject[] | undefined;

/**
 * The platform as the cluster gets it: every layer Flux applies (the roots clusters/local points at) plus
 * what the HelmReleases of our chart install. The ZooKeeper variant is not part of it (it replaces Kafka).
 */
export function renderedPlatform(): KubeObject[] {
  if (cache) return cache;
  const layers = parse(kustomizeBuild(join(REPO, "clusters", "local")))
    .filter(o => o.kind === "Kustomization" && String(o.apiVersion).startsWith("kustomize.toolkit.fluxcd.io/"))
    .map(o => String((o.spec as { path: string }).path).replace(/^\.\//, ""));
  const objects: KubeObject[] = [];
  for (const path of layers) objects.push(...parse(kustomizeBuild(join(REPO, path))));
  for (const o of [...objects]) {
    const rendered = renderLocalRelease(o, parse);
    if (rendered && "objects" in rendered) objects.push(...rendered.objects);
  }
  cache = objects;
  return objects;
}

export const find = (objects: KubeObject[], kind: string, namespace: string | undefined, name: string) =>
  objects.find(
    o =>
      o.kind === kind && o.metadata?.name === name && (namespace === undefined || o.metadata?.namespace === namespace),
  );
