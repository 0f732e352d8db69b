import type { PolicyResult } from "../engine/result";
import {
  emptySummary,
  groupByReport,
  ordinal,
  PolicyReport,
  reportObject,
  RESULT_ORDER,
  summarize,
  toReportResult,
} from "./policy-report";

/** A result as the cluster reports keep it: when it was seen, and how (background scan or admission). */
export interface StoredResult {
  result: PolicyResult;
  seconds: number;
}

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
    return groupByReport(this.#entries.values(), e => e.result.resource).map(([ns, entries]) => {
      const summary = summarize(entries.map(e => e.result));
      const ordered = [...entries].sort(
        (a, b) =>
          RESULT_ORDER[a.result.result] - RESULT_ORDER[b.result.result] ||
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
      return reportObject(this.name, ns, summary, results);
    });
  }
}
