import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative, sep } from "node:path";
import type { KubeObject } from "../../capabilities/k8s/object";
import { parseObjects } from "../../lib/render/yaml";
import { kustomizeBuild } from "../kustomize";
import { SourceIgnore } from "./sourceignore";

const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
const MAX_MANIFEST = 4 * 1024 * 1024;

const hasKustomization = (dir: string) =>
  KUSTOMIZATION_FILES.some(f => existsSync(join(dir, f)) && !statSync(join(dir, f)).isDirectory());

/**
 * What kustomize-controller applies for a Flux Kustomization whose `path` is `dir`: the kustomization there if it
 * has one; otherwise the one Flux generates (fluxcd/pkg/kustomize scanManifests): every `.yaml`/`.yml` file below
 * `dir`, and every sub-folder holding a kustomization as one unit, minus what the artifact never contains
 * (`.sourceignore`, Flux's built-in excludes). `clusters/local` relies on it: after `flux bootstrap` its
 * `flux-system/` folder is picked up next to the layer files without anyone listing it.
 */
export function fluxPathObjects(repoRoot: string, dir: string): KubeObject[] {
  if (hasKustomization(dir)) return parse(kustomizeBuild(dir), dir);
  const ignore = SourceIgnore.forRepository(repoRoot);
  const segments = (p: string) => relative(repoRoot, p).split(sep).filter(Boolean);
  // The .sourceignore files on the way down apply as well (source-controller reads all of them).
  const above = segments(dir);
  for (let i = 1; i <= above.length; i++) ignore.readFile(repoRoot, above.slice(0, i));
  if (ignore.ignored(above, true)) throw new Error(`${relative(repoRoot, dir)} is excluded by .sourceignore`);
  const objects: KubeObject[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current).sort()) {
      const path = join(current, entry);
      const isDir = statSync(path).isDirectory();
      if (ignore.ignored(segments(path), isDir)) continue;
      if (isDir) {
        if (hasKustomization(path)) objects.push(...parse(kustomizeBuild(path), path));
        else {
          ignore.readFile(repoRoot, segments(path));
          walk(path);
        }
      } else if ([".yaml", ".yml"].includes(extname(entry))) {
        if (statSync(path).size > MAX_MANIFEST)
          throw new Error(
            `${relative(repoRoot, path)} is larger than ${MAX_MANIFEST} bytes; Bonsai refuses to read it`,
          );
        objects.push(...parse(readFileSync(path, "utf8"), path));
      }
    }
  };
  walk(dir);
  return objects;
}

function parse(text: string, source: string): KubeObject[] {
  try {
    return parseObjects(text, source);
  } catch (err) {
    // kustomize-controller's words for the same failure, so both say where to look.
    throw new Error(`failed to decode Kubernetes YAML from ${source}: ${(err as Error).message}`);
  }
}

/** Flux's own Kustomization objects (kustomize.toolkit.fluxcd.io) among `objects`. */
export function fluxKustomizations(objects: KubeObject[]): KubeObject[] {
  return objects.filter(
    o => o.kind === "Kustomization" && String(o.apiVersion).startsWith("kustomize.toolkit.fluxcd.io/"),
  );
}
