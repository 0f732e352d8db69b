import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, isAbsolute, join, relative } from "node:path";
import { kustomizeBuild } from "../../tools/kustomize";
import { renderChart, renderLocalRelease } from "./charts";
import { fluxLayerObjects } from "./flux-layers";
import { ForeignDocument, InputError, parseYaml, SourcedObject } from "./yaml";

const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
const YAML_FILE = /\.ya?ml$/i;

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

function isKustomizationRoot(dir: string): boolean {
  return KUSTOMIZATION_FILES.some(f => exists(join(dir, f)));
}

export interface LoadedInputs {
  objects: SourcedObject[];
  foreign: ForeignDocument[];
  files: number;
}

/**
 * The same object reached twice (a kustomization that includes another root also walked on its own) is
 * judged once; two different definitions of one object are both kept, so the conflict stays visible.
 * Only objects whose identity occurs more than once are serialised to compare them: at 10,000 objects,
 * serialising every one cost a tenth of the audit and kept a second copy of the input in memory.
 */
function withoutRepeats(objects: SourcedObject[]): SourcedObject[] {
  const keyOf = ({ object }: SourcedObject) => {
    const m = object.metadata;
    return `${object.apiVersion}|${object.kind}|${m?.namespace ?? ""}|${m?.name ?? ""}`;
  };
  const keys = objects.map(keyOf);
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  const seen = new Map<string, string>();
  return objects.filter(({ object }, i) => {
    const key = keys[i];
    if (counts.get(key) === 1) return true;
    const body = JSON.stringify(object);
    if (seen.get(key) === body) return false;
    seen.set(key, body);
    return true;
  });
}

/**
 * Reads files and directories. A directory holding a kustomization is rendered with kustomize as one
 * unit (as `kubectl apply -k` would apply it); other directories are walked for *.yaml/*.yml, skipping
 * hidden folders and node_modules.
 */
export function loadInputs(paths: string[], cwd = process.cwd()): LoadedInputs {
  const out: LoadedInputs = { objects: [], foreign: [], files: 0 };
  const followed = new WeakSet<SourcedObject>();
  const add = (text: string, source: string) => {
    const parsed = parseYaml(text, source);
    out.objects.push(...parsed.objects);
    out.foreign.push(...parsed.foreign);
    out.files++;
    // HelmReleases of our own charts: judge what they install, not only the HelmRelease itself.
    for (const { object } of parsed.objects) {
      const rendered = renderLocalRelease(object);
      if (!rendered) continue;
      // A chart from a Helm repository cannot be fetched offline: the HelmRelease itself is judged.
      if ("note" in rendered) {
        if (!rendered.remote) out.foreign.push({ source: rendered.note, reason: "chart not rendered" });
      } else out.objects.push(...rendered.objects.map(o => ({ object: o, source: rendered.source })));
    }
  };
  const visit = (path: string, explicit: boolean) => {
    const display = relative(cwd, path) || ".";
    let stat;
    try {
      stat = statSync(path);
    } catch {
      throw new InputError(`${display}: no such file or directory`);
    }
    if (stat.isDirectory()) {
      if (isKustomizationRoot(path)) {
        try {
          add(kustomizeBuild(path), `${display} (kustomize)`);
        } catch (err) {
          if (err instanceof InputError) throw err;
          throw new InputError(`${display}: ${(err as Error).message}`);
        }
        return;
      }
      if (exists(join(path, "Chart.yaml"))) {
        // A chart on its own is judged with its default values, as `helm template` renders it.
        const source = `${display} (helm template)`;
        for (const object of renderChart(path, { source: display })) out.objects.push({ object, source });
        out.files++;
        return;
      }
      const before = out.objects.length;
      for (const entry of readdirSync(path).sort()) {
        if (entry.startsWith(".") || entry === "node_modules") continue;
        const child = join(path, entry);
        if (statSync(child).isDirectory() || YAML_FILE.test(entry)) visit(child, false);
      }
      // A Flux entry point (clusters/<cluster>): also what its layers apply (flux-layers.ts). Objects a folder below
      // already followed (or that a layer rendered) are not followed again from a folder above.
      const read = out.objects.slice(before).filter(o => !followed.has(o));
      const layers = fluxLayerObjects(path, read, cwd);
      for (const o of [...read, ...layers]) followed.add(o);
      out.objects.push(...layers);
      return;
    }
    if (KUSTOMIZATION_FILES.includes(basename(path))) return visit(join(path, ".."), explicit);
    if (!explicit && !YAML_FILE.test(path)) return;
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      throw new InputError(`${display}: cannot read: ${(err as Error).message}`);
    }
    add(text, display);
  };
  for (const p of paths) {
    if (p === "-") add(readFileSync(0, "utf8"), "<stdin>");
    else visit(isAbsolute(p) ? p : join(cwd, p), true);
  }
  return { ...out, objects: withoutRepeats(out.objects) };
}
