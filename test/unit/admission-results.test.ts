import { admissionResults, denialEvent } from "../../capabilities/reports/admission-results";
import { decideAdmission } from "../../capabilities/engine/admission";
import { contextFromObjects } from "../../capabilities/engine/context";
import { asWorkload, compliantPod, withSpec } from "../support/pods";

const ctx = contextFromObjects([], { level: "restricted", mutate: true });
const privileged = withSpec(compliantPod("priv"), s => (s.containers[0].securityContext.privileged = true));

describe("admission outcomes in reports", () => {
  it("records a denial as fail results marked denied, with the operation", () => {
    const decision = decideAdmission({ object: privileged, operation: "CREATE" }, ctx);
    const results = admissionResults(decision, "CREATE");
    expect(results.map(r => [r.rule, r.result, r.properties?.admission])).toContainEqual([
      "privileged",
      "fail",
      "denied",
    ]);
    expect(results[0].message).toMatch(/^denied at admission \(CREATE\): /);
  });

  it("records nothing for a clean admission (passes are the background scan's job)", () => {
    expect(admissionResults(decideAdmission({ object: compliantPod(), operation: "CREATE" }, ctx), "CREATE")).toEqual(
      [],
    );
  });

  it("puts the denial event on the owner when there is one, else on the object", () => {
    const owned = {
      ...privileged,
      metadata: {
        ...privileged.metadata,
        ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-1", uid: "u1", controller: true }],
      },
    };
    expect(denialEvent(owned, "no")).toMatchObject({
      involvedObject: { kind: "ReplicaSet", name: "web-1", namespace: "shop", uid: "u1" },
      reason: "PolicyViolation",
      type: "Warning",
      metadata: { namespace: "shop" },
    });
    expect(denialEvent(asWorkload("Deployment", privileged), "no")!.involvedObject).toMatchObject({
      kind: "Deployment",
      name: "w",
    });
    expect(denialEvent({ apiVersion: "v1", kind: "Namespace", metadata: { name: "x" } }, "no")).toBeUndefined();
  });
});
