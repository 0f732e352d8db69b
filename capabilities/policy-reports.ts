import { Capability, a, K8s, Log, metricsCollector } from "pepr";
import type { KubernetesObject } from "@kubernetes/client-node";
import { hostname } from "node:os";
import type { AdmissionDecision } from "./engine/admission";
import { evaluateObject } from "./engine/engine";
import type { KubeObject } from "./k8s/object";
import { ReportStore } from "./reports/report-store";
import { admissionResults, denialEvent } from "./reports/admission-results";
import { EventThrottle, eventKey } from "./reports/event-throttle";
import { verdictLogLines } from "./reports/verdict-log";
import { admissionContext } from "./live-state";
import { ClusterPolicyReportKind, PolicyReportKind } from "./kinds/policy-report";
import { modelOf } from "./kinds/models";
import { SCAN_KINDS } from "./engine/registry";
import { KINDS } from "./k8s/kinds";

/**
 * In-cluster PolicyReports. The background scan (watcher) writes `bonsai-scan` in every namespace; each
 * admission controller writes its own `bonsai-admission-<pod>` with what it denied, warned or audited, so
 * replicas never overwrite each other. Both are bounded (ReportStore). Dry-run requests are not recorded:
 * Flux's drift detection sends every object through the webhooks as a dry run.
 */
export const PolicyReports = new Capability({
  name: "policy-reports",
  description: "PolicyReports from a background scan and from admission outcomes, bounded; denial events",
});

export const REPORT_CAP = Number(process.env.BONSAI_REPORT_CAP ?? 500);
const scanStore = new ReportStore("bonsai-scan", REPORT_CAP);
const admissionStore = new ReportStore(
  `bonsai-admission-${hostname()
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")}`.slice(0, 63),
  REPORT_CAP,
);

async function flush(store: ReportStore): Promise<void> {
  for (const report of store.reports()) {
    const kind = report.kind === "PolicyReport" ? PolicyReportKind : ClusterPolicyReportKind;
    try {
      await K8s(kind).Apply(report as unknown as KubernetesObject, { force: true });
    } catch (err) {
      Log.warn({ err: (err as Error).message, report: report.metadata }, "bonsai: could not write a PolicyReport");
    }
  }
}

/** Prometheus series on Pepr's /metrics: pepr_bonsai_policy_results{policy,namespace,result}, only ever incremented. */
export const RESULTS_METRIC = "bonsai_policy_results";
metricsCollector.addGauge(RESULTS_METRIC, "Bonsai policy verdicts at admission, by policy, namespace and result", [
  "policy",
  "namespace",
  "result",
]);

/** Requests not judged in full: pepr_bonsai_admission_over_budget{cause="input-limits"|"request-budget",namespace}. */
export const OVER_BUDGET_METRIC = "bonsai_admission_over_budget";
metricsCollector.addGauge(
  OVER_BUDGET_METRIC,
  "Admission requests over the module's input limits or time budget, answered without a full judgement",
  ["cause", "namespace"],
);

let pending: NodeJS.Timeout | undefined;
const eventThrottle = new EventThrottle(Number(process.env.BONSAI_EVENT_WINDOW_SECONDS ?? 60) * 1_000);

/** Called by the validation binding for every judged request; writes are batched every 2 seconds. */
export function recordAdmission(
  decision: AdmissionDecision,
  request: { operation: string; dryRun?: boolean; object?: KubeObject },
): void {
  // Counted for dry runs too: an over-budget answer is a load signal whoever asked.
  if (decision.overBudget)
    metricsCollector.incGauge(OVER_BUDGET_METRIC, {
      cause: decision.overBudget,
      namespace: request.object?.metadata?.namespace ?? "",
    });
  // An admitted dry run is followed by the real request: skipped, or it would count twice. A denied one is not:
  // Flux (fluxcd/pkg/ssa) dry-runs every object before it applies it and stops at the denial, so the dry run is
  // the only request a refused manifest from git ever makes — recorded, or the report never shows it.
  if (request.dryRun && decision.allowed) return;
  for (const r of decision.results)
    metricsCollector.incGauge(RESULTS_METRIC, {
      policy: r.policy,
      namespace: r.resource.namespace ?? "",
      result: r.result,
    });
  for (const line of verdictLogLines(decision.results, decision.allowed, request.operation))
    Log.info(line, "bonsai: policy result");
  const results = admissionResults(decision, request.operation);
  if (!results.length) return;
  admissionStore.record(results);
  if (!decision.allowed && request.object) {
    const event = denialEvent(request.object, decision.message ?? "denied by Bonsai guardrails");
    if (event && eventThrottle.admit(eventKey(event)))
      K8s(a.CoreEvent)
        .Create(event as unknown as a.CoreEvent)
        .catch(err => Log.warn({ err: (err as Error).message }, "bonsai: could not record a denial event"));
  }
  pending ??= setTimeout(() => {
    pending = undefined;
    void flush(admissionStore);
  }, 2_000);
  pending.unref?.();
}

/** Judges everything the guardrails govern that exists now, and rewrites the scan reports. */
export async function scanCluster(): Promise<number> {
  const ctx = await admissionContext();
  const results = [];
  for (const kind of SCAN_KINDS) {
    const list = await K8s(modelOf(kind)).Get();
    // List items come without apiVersion and kind; the scan restores them so the engine knows what it judges.
    const { apiVersion } = KINDS[kind];
    for (const item of list.items as unknown as KubeObject[])
      results.push(...evaluateObject({ ...item, apiVersion, kind }, ctx));
  }
  scanStore.replace(results);
  await flush(scanStore);
  return results.length;
}

async function scanAndLog(): Promise<void> {
  try {
    const n = await scanCluster();
    Log.info({ results: n }, "bonsai: background scan written to PolicyReports");
  } catch (err) {
    Log.error({ err: (err as Error).message }, "bonsai: background scan failed");
  }
}

const SCAN_SECONDS = Math.max(10, Number(process.env.BONSAI_SCAN_SECONDS ?? 300));

PolicyReports.OnSchedule({ name: "bonsai-background-scan", every: SCAN_SECONDS, unit: "seconds", run: scanAndLog });

// Pepr's schedule first fires one interval after start; the reports should not wait that long. Only the
// process that runs watches and schedules (the watcher, or `pepr dev`) scans, never admission replicas.
if (process.env.PEPR_WATCH_MODE === "true" || process.env.PEPR_MODE === "dev") {
  setTimeout(() => void scanAndLog(), 10_000).unref();
}
