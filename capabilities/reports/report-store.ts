import type { PolicyResult, ResultStatus } from "../engine/result";
import {
  emptySummary,
  isClusterScoped,
  ordinal,
  PolicyReport,
  REPORT_API_VERSION,
  toReportResult,
} from "./policy-report";

/** A result as the cluster reports keep it: when it was seen, and how (background scan or admission). */
export interface StoredResult {
  result: PolicyResult;
  seconds: number;
}

const SEVERITY_ORDER: Record<ResultStatus, number> = { fail: 0, error: 1, warn: 2, skip: 3, pass: 4 };

const key = (r: PolicyResult) =>
  `${r.resource.uid ?? ""}|${r.resource.kind}|${r.resource.namespace ?? ""}|${r.resource.name}|${r.policy}|${r.rule}`;

/**
 * The results behind one family of in-cluster reports, bounded. De-duplicated by resource, policy and
 * rule (the newest verdict wins), grouped per namespace, and capped per report: failures, errors and
 * warnings are kept before skips and passes, newest first, and one extra result says how many were cut,
 * while the summary still counts everything. Kyverno's reports grew until they broke etcd; these cannot.
 */
export class ReportStore {
  readonly #entries = new Map<string, StoredResult>();

  constructor(
    readonly name: string,
    readonly cap = 500,
  ) {}

  /** Adds or replaces verdicts. */
  record(results: PolicyResult[], seconds = Math.floor(Date.now() / 1000)): void {
    for (const r of results) this.#entries.set(key(r), { result: r, seconds });
  }

  /** Replaces everything with a fresh scan, so that fixed or deleted objects leave the reports. */
  replace(results: PolicyResult[], seconds = Math.floor(Date.now() / 1000)): void {
    this.#entries.clear();
    this.record(results, seconds);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** One PolicyReport per namespace and one ClusterPolicyReport, each within the cap. */
  reports(): PolicyReport[] {
    const groups = new Map<string, StoredResult[]>();
    for (const e of this.#entries.values()) {
      const ns = isClusterScoped(e.result.resource) ? "" : (e.result.resource.namespace ?? "default");
      const group = groups.get(ns);
      if (group) group.push(e);
      else groups.set(ns, [e]);
    }
    const labels = { "app.kubernetes.io/managed-by": "bonsai", "app.kubernetes.io/name": "bonsai" };
    return [...groups.keys()].sort().map(ns => {
      const entries = groups.get(ns)!;
      const summary = emptySummary();
      for (const e of entries) summary[e.result.result]++;
      const ordered = [...entries].sort(
        (a, b) =>
          SEVERITY_ORDER[a.result.result] - SEVERITY_ORDER[b.result.result] ||
          b.seconds - a.seconds ||
          ordinal(key(a.result), key(b.result)),
      );
      const kept = ordered.slice(0, ordered.length > this.cap ? this.cap - 1 : ordered.length);
      const cut = ordered.slice(kept.length);
      const results = kept.map(e => ({ ...toReportResult(e.result), timestamp: { seconds: e.seconds, nanos: 0 } }));
      if (cut.length) {
        const byResult = emptySummary();
        for (const e of cut) byResult[e.result.result]++;
        const detail = Object.entries(byResult)
          .filter(([, n]) => n)
          .map(([k, n]) => `${n} ${k}`)
          .join(", ");
        results.push({
          source: "bonsai",
          policy: "bonsai",
          rule: "report-size-cap",
          result: "skip",
          message: `${cut.length} results omitted to keep this report under ${this.cap} results (${detail}); the summary counts them all. Run \`bonsai audit\` for the full list.`,
          category: "Reporting",
          severity: "info",
          scored: false,
          resources: [],
          timestamp: { seconds: Math.max(...cut.map(e => e.seconds)), nanos: 0 },
          properties: { omitted: String(cut.length) },
        });
      }
      return {
        apiVersion: REPORT_API_VERSION,
        kind: ns ? "PolicyReport" : "ClusterPolicyReport",
        metadata: ns ? { name: this.name, namespace: ns, labels } : { name: this.name, labels },
        summary,
        results,
      } as PolicyReport;
    });
  }
}
