import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { KubeObject } from "../../capabilities/k8s/object";
import { parseObjects, platformObjects, renderPlatform, REPO_ROOT } from "../../lib/render";

export const REPO = REPO_ROOT;

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

/** kustomize or helm output as objects, through the renderer's one YAML reader. */
export const parse = (text: string): KubeObject[] => parseObjects(text, "test input");

let cache: KubeObject[] | undefined;

/**
 * The platform as the cluster holds it: every layer Flux applies (the roots clusters/local points at), what
 * the HelmReleases of our chart install (lib/render, the renderer `bonsai up` applies) and what the guardrails
 * module creates in each app namespace (quota, LimitRange, default-deny, DNS egress: from the module's own
 * generator, the one source). The ZooKeeper variant is not part of it (it replaces Kafka).
 */
export function renderedPlatform(): KubeObject[] {
  cache ??= platformObjects(renderPlatform(REPO), { withModule: true });
  return cache;
}

export const find = (objects: KubeObject[], kind: string, namespace: string | undefined, name: string) =>
  objects.find(
    o =>
      o.kind === kind && o.metadata?.name === name && (namespace === undefined || o.metadata?.namespace === namespace),
  );
