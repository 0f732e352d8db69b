import {
  admissionRequestProblems,
  prepareAdmissionRequest,
  rejectMalformedRequest,
} from "../../capabilities/engine/admission-review";

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

describe("the module's beforeHook", () => {
  const managedFields = [{ manager: "kubectl", operation: "Update", fieldsV1: { "f:metadata": { "f:labels": {} } } }];
  const withFields = (name: string) => ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: name }, managedFields },
    spec: { containers: [{ name: "app", image: "nginx:1.27.3" }] },
  });

  it("drops managedFields from object and oldObject and leaves everything else as it was", () => {
    const request = { ...good, operation: "UPDATE", object: withFields("new"), oldObject: withFields("old") };
    prepareAdmissionRequest(request);
    expect(request.object).toEqual({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "new", labels: { app: "new" } },
      spec: { containers: [{ name: "app", image: "nginx:1.27.3" }] },
    });
    expect(request.oldObject.metadata).toEqual({ name: "old", labels: { app: "old" } });
  });

  it("still refuses a malformed review, before touching it", () => {
    const request = { ...good, uid: "", object: withFields("p") };
    expect(() => prepareAdmissionRequest(request)).toThrow("request.uid is missing");
    expect(request.object.metadata.managedFields).toBe(managedFields);
  });

  it("accepts a DELETE without object and a CONNECT without either", () => {
    const del = { ...good, operation: "DELETE", object: null, oldObject: withFields("gone") };
    prepareAdmissionRequest(del);
    expect(del.oldObject.metadata).not.toHaveProperty("managedFields");
    expect(() => prepareAdmissionRequest({ ...good, operation: "CONNECT", object: undefined })).not.toThrow();
  });
});
