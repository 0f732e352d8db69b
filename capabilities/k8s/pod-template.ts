import type { V1ObjectMeta, V1PodSpec } from "@kubernetes/client-node";
import { KubeObject, record } from "./object";

/** Where a kind keeps its pod template, as a path of field names from the object's root. */
const TEMPLATE_PATHS: Record<string, string[]> = {
  Pod: [],
  PodTemplate: ["template"],
  ReplicationController: ["spec", "template"],
  ReplicaSet: ["spec", "template"],
  Deployment: ["spec", "template"],
  StatefulSet: ["spec", "template"],
  DaemonSet: ["spec", "template"],
  Job: ["spec", "template"],
  CronJob: ["spec", "jobTemplate", "spec", "template"],
};

export const POD_CARRYING_KINDS = Object.keys(TEMPLATE_PATHS);

/** A pod spec found in an object, with the field path that leads to it for messages. */
export interface PodTemplate {
  /** Path of the pod's `metadata` and `spec` parents, "" for a Pod, "spec.template." for a Deployment. */
  prefix: string;
  metadata: V1ObjectMeta;
  spec: V1PodSpec;
  /** Set when the object has no pod spec where its kind keeps one: the path that is missing. */
  missing?: string;
}

/**
 * The pod template of a Pod or workload, or undefined when the kind carries none.
 * A workload whose template is missing or malformed yields an empty spec, so that checks still run
 * and report the missing fields instead of silently passing.
 */
export function podTemplateOf(obj: KubeObject): PodTemplate | undefined {
  if (typeof obj.kind !== "string") return undefined;
  const path = TEMPLATE_PATHS[obj.kind];
  if (!path) return undefined;
  let node: Record<string, unknown> | undefined = obj as Record<string, unknown>;
  for (const field of path) node = record(node?.[field]);
  const prefix = path.length ? path.join(".") + "." : "";
  const spec = record<V1PodSpec>(node?.spec);
  return {
    prefix,
    metadata: record<V1ObjectMeta>(node?.metadata) ?? {},
    spec: spec ?? ({} as V1PodSpec),
    missing: spec ? undefined : `${prefix}spec`,
  };
}
