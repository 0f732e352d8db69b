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

/**
 * "Kind namespace/name" (or "Kind name" for cluster-scoped objects), how every message and report names an
 * object; a reference without a kind (a file the audit could not read) is shown by its name alone.
 */
export function refText(ref: { kind?: string; namespace?: string; name?: string }): string {
  if (!ref.kind) return ref.name ?? "";
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ""}${ref.name ?? ""}`;
}

/** refText of an object as read (malformed ones included): `<no kind>`, generateName or `<no name>` stand in. */
export function objectRef(obj: KubeObject): string {
  const meta = record<V1ObjectMeta>(obj.metadata);
  return refText({
    kind: typeof obj.kind === "string" && obj.kind ? obj.kind : "<no kind>",
    namespace: typeof meta?.namespace === "string" ? meta.namespace : undefined,
    name: typeof meta?.name === "string" && meta.name ? meta.name : (meta?.generateName ?? "<no name>") + "",
  });
}

/** Renders a found value for a message: `unset` for absent fields, JSON for everything else. */
export function show(value: unknown): string {
  if (value === undefined) return "unset";
  return JSON.stringify(value);
}
