import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { APP_NAMESPACES } from "../../capabilities/config/platform";
import type { KubeObject } from "../../capabilities/k8s/object";
import { guardrailObjectsFor } from "../../capabilities/config/namespace-guardrails";
import { parseYaml } from "../../lib/render";
import { REPO_ROOT } from "./results";

function yamlFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return entries.flatMap(e => {
    if (e.startsWith(".")) return [];
    const p = join(dir, e);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return /\.ya?ml$/i.test(e) ? [p] : [];
  });
}

/**
 * What the admission path lists from the cluster, as the platform would have it: the LimitRanges the module
 * puts in every app namespace, and every LimitRange and Exemption declared under apps/ (read as plain YAML,
 * so new ones count without a change here).
 */
export function platformClusterState(): Record<string, KubeObject[]> {
  const limitranges = APP_NAMESPACES.flatMap(ns => guardrailObjectsFor(ns)).filter(o => o.kind === "LimitRange");
  const exemptions: KubeObject[] = [];
  for (const file of yamlFiles(join(REPO_ROOT, "apps"))) {
    let objects;
    try {
      objects = parseYaml(readFileSync(file, "utf8"), file).objects;
    } catch {
      continue; // not ours to judge here; the repository tests do
    }
    for (const { object } of objects) {
      if (object.kind === "Exemption") exemptions.push(object);
      if (object.kind === "LimitRange") limitranges.push(object);
    }
  }
  return { limitranges, exemptions };
}
