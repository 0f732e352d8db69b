import type { AdmissionDecision } from "../engine/admission";
import type { KubeObject } from "../k8s/object";
import type { PolicyResult } from "../engine/result";

/**
 * What an admission outcome adds to the reports: its non-pass results, marked with what admission did. A
 * denied request leaves no object behind, so without this the report would never show it (Kyverno's gap).
 */
export function admissionResults(decision: AdmissionDecision, operation: string): PolicyResult[] {
  const outcome = decision.allowed ? "admitted" : "denied";
  return decision.results
    .filter(r => r.result !== "pass" && !(r.result === "skip" && !r.properties?.exemption))
    .map(r => ({
      ...r,
      message: decision.allowed ? r.message : `denied at admission (${operation}): ${r.message}`,
      properties: { ...r.properties, admission: outcome, operation },
    }));
}

export interface CoreEvent {
  apiVersion: "v1";
  kind: "Event";
  metadata: { generateName: string; namespace: string };
  involvedObject: { apiVersion?: string; kind?: string; name?: string; namespace?: string; uid?: string };
  reason: string;
  message: string;
  type: "Warning";
  source: { component: string };
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
}

/**
 * The Event that makes a denial visible in `kubectl describe`: on the denied object's owner when it has one
 * (a ReplicaSet whose pods are refused), else on the object itself (listed by `kubectl get events`).
 */
export function denialEvent(obj: KubeObject, message: string, now = new Date()): CoreEvent | undefined {
  const namespace = obj.metadata?.namespace;
  if (!namespace) return undefined;
  const owner = obj.metadata?.ownerReferences?.[0];
  const involved = owner
    ? { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.name, namespace, uid: owner.uid }
    : { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata?.name ?? obj.metadata?.generateName, namespace };
  const stamp = now.toISOString().replace(/\.\d+Z$/, "Z");
  return {
    apiVersion: "v1",
    kind: "Event",
    metadata: { generateName: `${involved.name ?? "object"}.bonsai-`, namespace },
    involvedObject: involved,
    reason: "PolicyViolation",
    message: message.slice(0, 1024),
    type: "Warning",
    source: { component: "bonsai-guardrails" },
    firstTimestamp: stamp,
    lastTimestamp: stamp,
    count: 1,
  };
}
