import type { V1Container, V1PodSpec, V1SecurityContext } from "@kubernetes/client-node";
import { list, record } from "./object";

/** One container of a pod spec, with where it sits for messages. */
export interface ContainerRef {
  container: V1Container;
  /** e.g. `spec.initContainers[0]` (relative to the pod spec's parent). */
  path: string;
  /** The container's name, or `#<index>` when it has none. */
  name: string;
  securityContext: V1SecurityContext | undefined;
}

const CONTAINER_FIELDS = ["initContainers", "containers", "ephemeralContainers"] as const;

/**
 * Every container of the spec in Pod Security Admission's order: init, regular, ephemeral.
 * Entries that are not objects are skipped here; the API server's own validation rejects them.
 */
export function containersOf(spec: V1PodSpec, prefix: string): ContainerRef[] {
  const out: ContainerRef[] = [];
  for (const field of CONTAINER_FIELDS) {
    list(spec[field]).forEach((entry, index) => {
      const container = record<V1Container>(entry);
      if (!container) return;
      out.push({
        container,
        path: `${prefix}spec.${field}[${index}]`,
        name: typeof container.name === "string" && container.name ? container.name : `#${index}`,
        securityContext: record<V1SecurityContext>(container.securityContext),
      });
    });
  }
  return out;
}

export function isWindowsPod(spec: V1PodSpec): boolean {
  return record<{ name?: unknown }>(spec.os)?.name === "windows";
}

/** `hostUsers: false` puts the pod in a user namespace, which relaxes some restricted checks (PSA 1.35). */
export function inUserNamespace(spec: V1PodSpec): boolean {
  return spec.hostUsers === false;
}
