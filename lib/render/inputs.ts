import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, isAbsolute, join, relative } from "node:path";
import { CORE_SCHEMA, loadAll, Type, YAMLException } from "js-yaml";
import { isRecord, KubeObject } from "../../capabilities/k8s/object";
import { kustomizeBuild } from "../../tools/kustomize";
import { loadHelm, renderLocalRelease } from "./charts";

/** An object read from the inputs, and where it came from (for messages and report properties). */
export interface SourcedObject {
  object: KubeObject;
  source: string;
}

/** A YAML document that is not a Kubernetes object (values files, tool configs): reported, never dropped. */
export interface ForeignDocument {
  source: string;
  reason: string;
}

export interface LoadedInputs {
  objects: SourcedObject[];
  foreign: ForeignDocument[];
  files: number;
}

/** Unreadable input: exit code 2, with the file (and line) named. */
export class InputError extends Error {}

const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
const YAML_FILE = /\.ya?ml$/i;

function isKustomizationRoot(dir: string): boolean {
  return KUSTOMIZATION_FILES.some(f => exists(join(dir, f)));
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * YAML 1.2 core plus merge keys (`<<: *anchor`), which Kubernetes' parser accepts. No timestamp type: the API
 * server reads an unquoted `2024-01-01T00:00:00Z` as a string, so must the audit (js-yaml's default schema would
 * make a Date of it and print it back changed); it also spares a regular expression on every plain scalar.
 */
const MERGE_KEY = new Type("tag:yaml.org,2002:merge", { kind: "scalar", resolve: (data: unknown) => data === "<<" });
const KUBERNETES_YAML = CORE_SCHEMA.extend({ implicit: [MERGE_KEY] });

/**
 * Parses multi-document YAML. `List` objects are expanded into their items. A syntax error is fatal
 * and names the file, line and column.
 */
export function parseYaml(text: string, source: string): { objects: SourcedObject[]; foreign: ForeignDocument[] } {
  const objects: SourcedObject[] = [];
  const foreign: ForeignDocument[] = [];
  let docs: unknown[];
  try {
    // js-yaml: an order of magnitude faster than the yaml package on large inputs (BENCHMARKS.md, audit).
    docs = loadAll(text, undefined, { filename: source, schema: KUBERNETES_YAML });
  } catch (err) {
    if (err instanceof YAMLException) {
      const at = err.mark ? `${source}:${err.mark.line + 1}:${err.mark.column + 1}` : source;
      throw new InputError(`${at}: invalid YAML: ${err.reason}`);
    }
    throw err;
  }
  docs.forEach((value, index) => {
    const where = docs.length > 1 ? `${source} (document ${index + 1})` : source;
    if (value === null || value === undefined) return;
    if (!isRecord(value) || (value.apiVersion === undefined && value.kind === undefined)) {
      foreign.push({ source: where, reason: "not a Kubernetes object (no apiVersion or kind)" });
      return;
    }
    const obj = value as KubeObject;
    if (typeof obj.kind === "string" && obj.kind.endsWith("List") && Array.isArray(obj.items)) {
      obj.items.forEach((item, i) => {
        if (isRecord(item)) objects.push({ object: item as KubeObject, source: `${where} items[${i}]` });
        else foreign.push({ source: `${where} items[${i}]`, reason: "List item is not an object" });
      });
      return;
    }
    objects.push({ object: obj, source: where });
  });
  return { objects, foreign };
}

/**
 * The same object reached twice (a kustomization that includes another root also walked on its own) is
 * judged once; two different definitions of one object are both kept, so the conflict stays visible.
 */
function withoutRepeats(objects: SourcedObject[]): SourcedObject[] {
  const seen = new Map<string, string>();
  return objects.filter(({ object }) => {
    const m = object.metadata;
    const key = `${object.apiVersion}|${object.kind}|${m?.namespace ?? ""}|${m?.name ?? ""}`;
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
  const add = (text: string, source: string) => {
    const parsed = parseYaml(text, source);
    out.objects.push(...parsed.objects);
    out.foreign.push(...parsed.foreign);
    out.files++;
    // HelmReleases of our own charts: judge what they install, not only the HelmRelease itself.
    for (const { object } of parsed.objects) {
      const rendered = renderLocalRelease(object, (t, s) => parseYaml(t, s).objects.map(o => o.object));
      if (!rendered) continue;
      if ("note" in rendered) out.foreign.push({ source: rendered.note, reason: "chart not rendered" });
      else out.objects.push(...rendered.objects.map(o => ({ object: o, source: rendered.source })));
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
        const helm = loadHelm();
        if (!helm)
          out.foreign.push({ source: display, reason: "Helm chart directory: not rendered, tools/helm.ts is missing" });
        else {
          let rendered: string;
          try {
            rendered = helm(path, { release: basename(path), namespace: "default", values: {} });
          } catch (err) {
            throw new InputError(`${display}: helm template failed: ${(err as Error).message}`);
          }
          add(rendered, `${display} (helm template)`);
        }
        return;
      }
      for (const entry of readdirSync(path).sort()) {
        if (entry.startsWith(".") || entry === "node_modules") continue;
        const child = join(path, entry);
        if (statSync(child).isDirectory() || YAML_FILE.test(entry)) visit(child, false);
      }
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
