import { admissionRequestProblems, rejectMalformedRequest } from "../../capabilities/engine/admission-review";

const good = {
  uid: "1",
  operation: "CREATE",
  kind: { group: "", version: "v1", kind: "Pod" },
  object: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" } },
};

describe("AdmissionReview request validation", () => {
  it("accepts a well-formed request, and a DELETE carrying oldObject", () => {
    expect(admissionRequestProblems(good)).toEqual([]);
    expect(admissionRequestProblems({ ...good, operation: "DELETE", object: null, oldObject: good.object })).toEqual(
      [],
    );
  });

  it.each([
    [undefined, "request is missing or not an object"],
    ["text", "request is missing or not an object"],
    [{ ...good, uid: "" }, "request.uid is missing"],
    [{ ...good, operation: "PATCH" }, 'request.operation is "PATCH"; allowed: CREATE, UPDATE, DELETE, CONNECT'],
    [{ ...good, kind: "Pod" }, "request.kind must be {group, version, kind}"],
    [{ ...good, object: undefined }, "request.object is missing or not an object"],
    [{ ...good, operation: "DELETE" }, "request.oldObject is missing or not an object"],
  ])("names what is wrong with %p", (request, problem) => {
    expect(admissionRequestProblems(request)).toContain(problem);
    expect(() => rejectMalformedRequest(request)).toThrow(`malformed AdmissionReview: `);
  });
});
