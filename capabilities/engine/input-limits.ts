import type { KubeObject } from "../k8s/object";
import { podTemplateOf } from "../k8s/pod-template";

/**
 * What the module judges at most, so that one request's judgement is bounded in time and memory whatever
 * the object (docs/threat-model.md). The API server admits bodies up to 3 MiB and Pepr parses up to 2 MB;
 * inside that, a pod with 5,000 containers took a second of the single event loop, and recursion over
 * deep nesting could exhaust the stack. Real objects are far inside these limits.
 */
export const INPUT_LIMITS = {
  /** Containers of one pod template (init + regular + ephemeral). Kubernetes sets no limit; pods have a few. */
  containersPerPod: 100,
  /** Nesting of objects and arrays. Built-in schemas stay under 20 levels, managedFields included. */
  depth: 64,
  /** Objects, arrays and scalars in the whole object: 2 MB of JSON holds at most ~1M of them. */
  nodes: 200_000,
} as const;

/** Where a container value sits: its parent's place and its own key (an index in an array). */
interface Place {
  parent: Place | undefined;
  key: string | number;
}

/** `a.b[2].c`, the form the limit messages name a field in; "" for the object itself. */
function pathOf(place: Place | undefined): string {
  const keys: (string | number)[] = [];
  for (let p = place; p; p = p.parent) keys.push(p.key);
  let path = "";
  for (let i = keys.length - 1; i >= 0; i--) {
    const key = keys[i];
    path = typeof key === "number" ? `${path}[${key}]` : path ? `${path}.${key}` : key;
  }
  return path;
}

/**
 * Walks the object once, iteratively (no recursion to overflow), and stops at the first limit crossed.
 * Returns the reason, naming the limit and the field where it was crossed, or undefined.
 * Every object runs through this before any policy, so it allocates nothing per scalar: the stack is three
 * parallel arrays, and a field's path is kept as a chain of places, made into text only for the message.
 */
export function inputLimitProblem(obj: KubeObject): string | undefined {
  const values: unknown[] = [obj];
  const depths: number[] = [0];
  const parents: (Place | undefined)[] = [undefined];
  const keys: (string | number | undefined)[] = [undefined];
  let nodes = 0;
  while (values.length) {
    const value = values.pop();
    const depth = depths.pop()!;
    const parent = parents.pop();
    const key = keys.pop();
    if (++nodes > INPUT_LIMITS.nodes)
      return `object has more than ${INPUT_LIMITS.nodes} fields and values; the module judges objects up to that size`;
    if (typeof value !== "object" || value === null) continue;
    const place = key === undefined ? undefined : { parent, key };
    if (depth >= INPUT_LIMITS.depth)
      return `object nests deeper than ${INPUT_LIMITS.depth} levels at ${pathOf(place) || "<root>"}; the module judges up to ${INPUT_LIMITS.depth}`;
    // Pushed in the order the walk pops them: array items first to last, object fields last to first.
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) {
        values.push(value[i]);
        depths.push(depth + 1);
        parents.push(place);
        keys.push(i);
      }
    } else {
      const record = value as Record<string, unknown>;
      for (const field of Object.keys(record)) {
        values.push(record[field]);
        depths.push(depth + 1);
        parents.push(place);
        keys.push(field);
      }
    }
  }
  const pod = podTemplateOf(obj);
  if (pod) {
    const count = ["initContainers", "containers", "ephemeralContainers"]
      .map(f => (pod.spec as unknown as Record<string, unknown>)[f])
      .reduce<number>((n, v) => n + (Array.isArray(v) ? v.length : 0), 0);
    if (count > INPUT_LIMITS.containersPerPod)
      return `${pod.prefix}spec has ${count} containers (init, regular and ephemeral together); at most ${INPUT_LIMITS.containersPerPod} per pod`;
  }
  return undefined;
}
