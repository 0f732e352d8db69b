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

/**
 * Walks the object once, iteratively (no recursion to overflow), and stops at the first limit crossed.
 * Returns the reason, naming the limit and the field where it was crossed, or undefined.
 */
export function inputLimitProblem(obj: KubeObject): string | undefined {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value: obj, depth: 0, path: "" }];
  let nodes = 0;
  while (stack.length) {
    const { value, depth, path } = stack.pop()!;
    if (++nodes > INPUT_LIMITS.nodes)
      return `object has more than ${INPUT_LIMITS.nodes} fields and values; the module judges objects up to that size`;
    if (typeof value !== "object" || value === null) continue;
    if (depth >= INPUT_LIMITS.depth)
      return `object nests deeper than ${INPUT_LIMITS.depth} levels at ${path || "<root>"}; the module judges up to ${INPUT_LIMITS.depth}`;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--)
        stack.push({ value: value[i], depth: depth + 1, path: `${path}[${i}]` });
    } else {
      for (const [key, child] of Object.entries(value))
        stack.push({ value: child, depth: depth + 1, path: path ? `${path}.${key}` : key });
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
