import type { V1ObjectMeta } from "@kubernetes/client-node";

/**
 * Anything read from YAML or an AdmissionReview. Policies never trust its shape: a field may be
 * missing, null or of the wrong type, and a policy must then report, not throw.
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: V1ObjectMeta;
  [field: string]: unknown;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The record at `value`, or undefined when it is absent or not an object (malformed input). */
export function record<T extends object = Record<string, unknown>>(value: unknown): T | undefined {
  return isRecord(value) ? (value as T) : undefined;
}

/** The array at `value`, or an empty one when it is absent or not an array (malformed input). */
export function list<T = unknown>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

/** Go's notion of a non-nil pointer to a struct: present, not null. */
export function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

export function objectRef(obj: KubeObject): string {
  const kind = typeof obj.kind === "string" && obj.kind ? obj.kind : "<no kind>";
  const meta = record<V1ObjectMeta>(obj.metadata);
  const name = typeof meta?.name === "string" && meta.name ? meta.name : (meta?.generateName ?? "<no name>") + "";
  const ns = typeof meta?.namespace === "string" && meta.namespace ? `${meta.namespace}/` : "";
  return `${kind} ${ns}${name}`;
}

/** Renders a found value for a message: `unset` for absent fields, JSON for everything else. */
export function show(value: unknown): string {
  if (value === undefined) return "unset";
  return JSON.stringify(value);
}
