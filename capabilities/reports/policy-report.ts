import type { PolicyResult, ResourceRef, ResultStatus } from "../engine/result";

export const REPORT_API_VERSION = "wgpolicyk8s.io/v1alpha2";
export const REPORT_SOURCE = "bonsai";

export type Summary = Record<ResultStatus, number>;

/** A result as it appears in a PolicyReport (wgpolicyk8s.io/v1alpha2). */
export interface ReportResult {
  source: string;
  policy: string;
  rule: string;
  result: ResultStatus;
  message: string;
  category: string;
  severity: string;
  scored: boolean;
  resources: ResourceRef[];
  properties?: Record<string, string>;
  timestamp?: { seconds: number; nanos: number };
}

export interface PolicyReport {
  apiVersion: typeof REPORT_API_VERSION;
  kind: "PolicyReport" | "ClusterPolicyReport";
  metadata: { name: string; namespace?: string; labels: Record<string, string> };
  summary: Summary;
  results: ReportResult[];
}

export interface ReportList {
  apiVersion: "v1";
  kind: "List";
  metadata: Record<string, never>;
  items: PolicyReport[];
}

/** Kinds that live outside namespaces; their results go into the ClusterPolicyReport. */
const CLUSTER_SCOPED = new Set([
  "Namespace",
  "Node",
  "PersistentVolume",
  "StorageClass",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
  "ValidatingAdmissionPolicy",
  "ValidatingAdmissionPolicyBinding",
  "PriorityClass",
  "IngressClass",
  "RuntimeClass",
  "APIService",
  "CSIDriver",
  "ClusterPolicyReport",
  "ClusterIssuer",
  "Exemption",
]);

export function isClusterScoped(ref: ResourceRef): boolean {
  return CLUSTER_SCOPED.has(ref.kind) || (ref.kind.startsWith("Cluster") && !ref.namespace);
}

export function emptySummary(): Summary {
  return { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
}

export function summarize(results: { result: ResultStatus }[]): Summary {
  const summary = emptySummary();
  for (const r of results) summary[r.result]++;
  return summary;
}

const refKey = (r: ResourceRef) => `${r.kind}\u0000${r.namespace ?? ""}\u0000${r.name}\u0000${r.apiVersion}`;
/** Most urgent first: the order of results within a report. */
export const RESULT_ORDER: Record<ResultStatus, number> = { fail: 0, error: 1, warn: 2, skip: 3, pass: 4 };

/**
 * Code-point order, not `localeCompare`: the same on every machine whatever its locale (so diffs between a
 * laptop and CI stay meaningful), and an order of magnitude cheaper when 50,000 results are sorted.
 */
export const ordinal = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function compareWithKeys(a: PolicyResult, ka: string, b: PolicyResult, kb: string): number {
  return (
    ordinal(ka, kb) ||
    ordinal(a.policy, b.policy) ||
    RESULT_ORDER[a.result] - RESULT_ORDER[b.result] ||
    ordinal(a.rule, b.rule) ||
    ordinal(a.message, b.message)
  );
}

/** Stable order so that two audits of the same tree diff cleanly: resource, then policy, then rule. */
export function compareResults(a: PolicyResult, b: PolicyResult): number {
  return compareWithKeys(a, refKey(a.resource), b, refKey(b.resource));
}

/** `results` sorted by compareResults, each resource key computed once. */
export function sortResults(results: PolicyResult[]): PolicyResult[] {
  return results
    .map(r => ({ r, k: refKey(r.resource) }))
    .sort((a, b) => compareWithKeys(a.r, a.k, b.r, b.k))
    .map(e => e.r);
}

export function toReportResult(r: PolicyResult): ReportResult {
  const out: ReportResult = {
    source: REPORT_SOURCE,
    policy: r.policy,
    rule: r.rule,
    result: r.result,
    message: r.message,
    category: r.category,
    severity: r.severity,
    scored: true,
    resources: [r.resource],
  };
  if (r.properties && Object.keys(r.properties).length) out.properties = r.properties;
  return out;
}

/**
 * Groups items by the report they belong in, in report order: "" (the ClusterPolicyReport) first, then one
 * group per namespace. Namespaced objects without a namespace (plain manifests applied to the current
 * namespace) go under "default", where `kubectl apply` would put them.
 */
export function groupByReport<T>(items: Iterable<T>, refOf: (item: T) => ResourceRef): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const ref = refOf(item);
    const key = isClusterScoped(ref) ? "" : (ref.namespace ?? "default");
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return [...groups.keys()].sort().map(ns => [ns, groups.get(ns)!]);
}

const REPORT_LABELS = { "app.kubernetes.io/managed-by": "bonsai", "app.kubernetes.io/name": "bonsai" };

/** The PolicyReport of namespace `ns`, or the ClusterPolicyReport when `ns` is "". */
export function reportObject(name: string, ns: string, summary: Summary, results: ReportResult[]): PolicyReport {
  return {
    apiVersion: REPORT_API_VERSION,
    kind: ns ? "PolicyReport" : "ClusterPolicyReport",
    metadata: ns ? { name, namespace: ns, labels: REPORT_LABELS } : { name, labels: REPORT_LABELS },
    summary,
    results,
  };
}

/** One PolicyReport per namespace and one ClusterPolicyReport, in stable order (what `bonsai audit` prints). */
export function buildReports(results: PolicyResult[], name: string): ReportList {
  const items = groupByReport(results, r => r.resource).map(([ns, group]) => {
    const sorted = sortResults(group);
    return reportObject(name, ns, summarize(sorted), sorted.map(toReportResult));
  });
  return { apiVersion: "v1", kind: "List", metadata: {}, items };
}
