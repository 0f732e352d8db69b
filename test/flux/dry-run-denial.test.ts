import { metricsCollector } from "pepr";
import { recordAdmission, RESULTS_METRIC } from "../../capabilities/policy-reports";
import { decideAdmission } from "../../capabilities/engine/admission";
import { contextFromObjects } from "../../capabilities/engine/context";

// kustomize-controller dry-runs each object and never sends the real request after a denial: the denial of that
// dry run is the only trace a refused manifest from git leaves, so it is recorded (an admitted dry run is not).
describe("a dry run from Flux that the guardrails deny", () => {
  it("is recorded", async () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", namespace: "monitoring" },
      spec: { containers: [{ name: "c", image: "nginx:1.27", securityContext: { privileged: true } }] },
    };
    const denied = decideAdmission({ object: pod, operation: "CREATE" }, contextFromObjects([], { mutate: true }));
    expect(denied.allowed).toBe(false);
    recordAdmission(denied, { operation: "CREATE", dryRun: true, object: pod });
    const metrics = await metricsCollector.getMetrics();
    // pod-security-standards fails twice here (privileged and its restricted-level companions), one request.
    expect(metrics).toContain(
      `pepr_${RESULTS_METRIC}{policy="pod-security-standards",namespace="monitoring",result="fail"}`,
    );
  });
});
