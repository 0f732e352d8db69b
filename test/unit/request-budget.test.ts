import { metricsCollector } from "pepr";
import { decideAdmission } from "../../capabilities/engine/admission";
import { contextFromObjects } from "../../capabilities/engine/context";
import { Deadline, requestBudgetMs, WEBHOOK_TIMEOUT_MS } from "../../capabilities/engine/budget";
import { INPUT_LIMITS, inputLimitProblem } from "../../capabilities/engine/input-limits";
import { FAIL_OPEN_NAMESPACES } from "../../capabilities/config/failure-policy";
import { OVER_BUDGET_METRIC, recordAdmission } from "../../capabilities/policy-reports";
import { policiesFor } from "../../capabilities/engine/registry";
import type { KubeObject } from "../../capabilities/k8s/object";
import { compliantPod, withSpec } from "../support/pods";

const ctx = contextFromObjects([], { level: "restricted", mutate: true });
const inNamespace = (pod: KubeObject, namespace: string): KubeObject => ({
  ...pod,
  metadata: { ...pod.metadata, namespace },
});
const withContainers = (n: number) =>
  withSpec(compliantPod("many"), s => {
    s.containers = Array.from({ length: n }, (_, i) => ({ ...s.containers[0], name: `c${i}` }));
  });
/** A clock that advances `stepMs` every time it is read: judging runs out of time without sleeping. */
const steppingClock = (stepMs: number) => {
  let t = 0;
  return () => (t += stepMs);
};
const FAIL_OPEN = [...FAIL_OPEN_NAMESPACES][0];

describe("input limits", () => {
  it("deny a pod over the container limit in every namespace, fail-open ones included, naming the limit", () => {
    expect(FAIL_OPEN).toBeDefined();
    for (const ns of ["backend", FAIL_OPEN]) {
      const d = decideAdmission({ object: inNamespace(withContainers(5_000), ns), operation: "CREATE" }, ctx);
      expect(d).toMatchObject({ allowed: false, overBudget: "input-limits" });
      expect(d.message).toContain(`[bonsai/input-limits] spec has 5001 containers`);
      expect(d.message).toContain(`at most ${INPUT_LIMITS.containersPerPod} per pod`);
    }
    const atLimit = withContainers(INPUT_LIMITS.containersPerPod - 1); // + the init container
    expect(decideAdmission({ object: atLimit, operation: "CREATE" }, ctx).allowed).toBe(true);
  });

  it("stop at deep nesting without recursing into it, also on an update compared with its old object", () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 100_000; i++) deep = (deep.x = {}) as Record<string, unknown>;
    const pod = { ...compliantPod(), spec: { ...(compliantPod().spec as object), overrides: root } };
    expect(inputLimitProblem(pod)).toBe(
      `object nests deeper than 64 levels at spec.overrides${".x".repeat(62)}; the module judges up to 64`,
    );
    const d = decideAdmission({ object: pod, oldObject: pod, operation: "UPDATE" }, ctx);
    expect(d).toMatchObject({ allowed: false, overBudget: "input-limits" });
  });

  it("count every value of the object against the node limit", () => {
    const pod = withSpec(compliantPod(), s => {
      s.containers[0].env = Array.from({ length: INPUT_LIMITS.nodes }, (_, i) => ({ name: `V${i}`, value: "x" }));
    });
    expect(inputLimitProblem(pod)).toMatch(/^object has more than 200000 fields and values/);
  });
});

describe("request budget", () => {
  it("stops between policies once the deadline passed and names the cause: deny fail-closed, warn fail-open", () => {
    const policies = policiesFor("Pod").map(p => p.name);
    // 1 s per clock read, a 2.5 s budget: read at the start, before policies 0, 1, 2 (expired), for the message.
    const deadline = () => new Deadline(2_500, steppingClock(1_000));
    const closed = decideAdmission({ object: compliantPod(), operation: "CREATE" }, ctx, deadline());
    expect(closed).toMatchObject({ allowed: false, overBudget: "request-budget" });
    expect(closed.message).toContain(
      `[bonsai/request-budget] judging stopped after 4000 ms, over the module's 2500 ms budget per request, before policy ${policies[2]}`,
    );
    const open = decideAdmission(
      { object: inNamespace(compliantPod(), FAIL_OPEN), operation: "CREATE" },
      ctx,
      deadline(),
    );
    expect(open).toMatchObject({ allowed: true, overBudget: "request-budget" });
    expect(open.warnings[0]).toMatch(/^\[bonsai\/request-budget\] judging stopped after/);
  });

  it("judges in full within the budget", () => {
    const d = decideAdmission({ object: compliantPod(), operation: "CREATE" }, ctx, new Deadline(2_500, () => 0));
    expect(d.overBudget).toBeUndefined();
    expect(d.results.map(r => r.policy)).toEqual(expect.arrayContaining(policiesFor("Pod").map(p => p.name)));
  });

  it("is counted in a metric by cause and namespace, dry runs included", async () => {
    const object = inNamespace(withContainers(500), "frontend");
    const decision = decideAdmission({ object, operation: "CREATE" }, ctx);
    recordAdmission(decision, { operation: "CREATE", dryRun: true, object });
    recordAdmission(decision, { operation: "CREATE", dryRun: false, object });
    expect(await metricsCollector.getMetrics()).toContain(
      `pepr_${OVER_BUDGET_METRIC}{cause="input-limits",namespace="frontend"} 2`,
    );
  });

  it("is a fixed value well inside the webhook timeout; a bad override is refused", () => {
    expect(requestBudgetMs(undefined)).toBe(3_000);
    expect(requestBudgetMs("1500")).toBe(1_500);
    expect(WEBHOOK_TIMEOUT_MS).toBe(10_000);
    for (const bad of ["0", "9500", "abc", "1.5"])
      expect(() => requestBudgetMs(bad)).toThrow(
        /BONSAI_REQUEST_BUDGET_MS is .*expected whole milliseconds from 1 to 9000/,
      );
  });
});
