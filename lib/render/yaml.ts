import { CORE_SCHEMA, load, loadAll, Type, YAMLException } from "js-yaml";
import { isRecord, KubeObject } from "../../capabilities/k8s/object";

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

/** Unreadable input (bad YAML, a missing path, a chart that does not render): exit code 2, with the file named. */
export class InputError extends Error {}

/**
 * YAML 1.2 core plus merge keys (`<<: *anchor`), which Kubernetes' parser accepts. No timestamp type: the API
 * server reads an unquoted `2024-01-01T00:00:00Z` as a string, so must we (js-yaml's default schema would
 * make a Date of it and print it back changed); it also spares a regular expression on every plain scalar.
 */
const MERGE_KEY = new Type("tag:yaml.org,2002:merge", { kind: "scalar", resolve: (data: unknown) => data === "<<" });
const KUBERNETES_YAML = CORE_SCHEMA.extend({ implicit: [MERGE_KEY] });

/**
 * The one YAML reader of the repository's tools: multi-document YAML as the API server reads it. `List`
 * objects are expanded into their items; documents without apiVersion and kind are returned as foreign.
 * A syntax error is an InputError naming the file, line and column.
 */
export function parseYaml(text: string, source: string): { objects: SourcedObject[]; foreign: ForeignDocument[] } {
  const objects: SourcedObject[] = [];
  const foreign: ForeignDocument[] = [];
  let docs: unknown[];
  try {
    // js-yaml: an order of magnitude faster than the yaml package on large inputs (BENCHMARKS.md, audit).
    docs = loadAll(text, undefined, { filename: source, schema: KUBERNETES_YAML });
  } catch (err) {
    throw asInputError(err, source);
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

/** js-yaml's syntax error as an InputError naming the file, line and column; any other error unchanged. */
function asInputError(err: unknown, source: string): unknown {
  if (!(err instanceof YAMLException)) return err;
  const at = err.mark ? `${source}:${err.mark.line + 1}:${err.mark.column + 1}` : source;
  return new InputError(`${at}: invalid YAML: ${err.reason}`);
}

/** One YAML document that is not a Kubernetes object (a tool's config, a policy test), read the same way. */
export function parseYamlValue(text: string, source: string): unknown {
  try {
    return load(text, { filename: source, schema: KUBERNETES_YAML });
  } catch (err) {
    throw asInputError(err, source);
  }
}

/** The Kubernetes objects of a YAML text (kustomize or helm output), without their sources. */
export function parseObjects(text: string, source: string): KubeObject[] {
  return parseYaml(text, source).objects.map(o => o.object);
}
