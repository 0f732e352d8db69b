import { metricsCollector } from "pepr";
import { recordAdmission, RESULTS_METRIC } from "../../capabilities/policy-reports";
import { decideAdmission } from "../../capabilities/engine/admission";
import { contextFromObjects } from "../../capabilities/engine/context";
import { MODE_OVERRIDES } from "../../capabilities/engine/modes";

describe("admission metrics", () => {
  afterAll(() => {
    delete MODE_OVERRIDES["service-type"];
  });

  it("count verdicts by policy, namespace and result, and ignore dry-runs", async () => {
    MODE_OVERRIDES["service-type"] = "warn";
    const svc = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "s", namespace: "backend" },
      spec: { type: "NodePort" },
    };
    const decision = decideAdmission({ object: svc, operation: "CREATE" }, contextFromObjects([], { mutate: true }));
    recordAdmission(decision, { operation: "CREATE", dryRun: true, object: svc });
    const series = `pepr_${RESULTS_METRIC}{policy="service-type",namespace="backend",result="warn"}`;
    expect(await metricsCollector.getMetrics()).not.toContain(series);
    recordAdmission(decision, { operation: "CREATE", dryRun: false, object: svc });
    recordAdmission(decision, { operation: "CREATE", dryRun: false, object: svc });
    expect(await metricsCollector.getMetrics()).toContain(`${series} 2`);
  });
});
