import type { V1ObjectMeta } from "@kubernetes/client-node";
import { KubeObject, record } from "../k8s/object";

/** Result values of wgpolicyk8s.io/v1alpha2 PolicyReport results. */
export type ResultStatus = "pass" | "fail" | "warn" | "error" | "skip";
export type Severity = "critical" | "high" | "medium" | "low" | "info";

/** A report result's `resources[]` entry (a corev1 ObjectReference). */
export interface ResourceRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
}

/** One verdict of one rule of one policy on one object: the unit every report is made of. */
export interface PolicyResult {
  policy: string;
  rule: string;
  result: ResultStatus;
  message: string;
  category: string;
  severity: Severity;
  resource: ResourceRef;
  /** Free-form string pairs carried into the report (field paths, the source file, the exemption applied). */
  properties?: Record<string, string>;
}

export function resourceRef(obj: KubeObject): ResourceRef {
  const meta = record<V1ObjectMeta>(obj.metadata) ?? {};
  const ref: ResourceRef = {
    apiVersion: typeof obj.apiVersion === "string" ? obj.apiVersion : "",
    kind: typeof obj.kind === "string" ? obj.kind : "",
    name: typeof meta.name === "string" ? meta.name : typeof meta.generateName === "string" ? meta.generateName : "",
  };
  if (typeof meta.namespace === "string" && meta.namespace) ref.namespace = meta.namespace;
  if (typeof meta.uid === "string" && meta.uid) ref.uid = meta.uid;
  return ref;
}
