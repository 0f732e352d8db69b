import { R } from "pepr";
import jsonPatch from "fast-json-patch";
import { isDeepStrictEqual } from "node:util";
import { copyJson, withFastClone } from "../../capabilities/engine/json-copy";
import { prepareAdmissionRequest } from "../../capabilities/engine/admission-review";

const pod = () => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "p", namespace: "backend", labels: { app: "a" } },
  spec: {
    containers: [
      {
        name: "app",
        image: "registry.local/app:1.0",
        env: Array.from({ length: 50 }, (_, i) => ({ name: `V${i}`, value: String(i) })),
        ports: [{ containerPort: 8080 }],
        securityContext: { runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
      },
    ],
    nodeSelector: null,
  },
});

describe("copyJson", () => {
  it("copies a JSON value deeply: equal, and sharing no object with the source", () => {
    const src = pod();
    const copy = copyJson(src);
    expect(copy).toEqual(src);
    copy.spec.containers[0].env[3].value = "changed";
    copy.metadata.labels.app = "b";
    expect(src.spec.containers[0].env[3].value).toBe("3");
    expect(src.metadata.labels.app).toBe("a");
  });

  it("keeps primitives, nulls and empty containers", () => {
    expect(copyJson(null)).toBeNull();
    expect(copyJson(3)).toBe(3);
    expect(copyJson({ a: [], b: {}, c: null, d: false, e: "" })).toEqual({ a: [], b: {}, c: null, d: false, e: "" });
  });

  it("copies any nesting depth without recursion", () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < 200_000; i++) deep = i % 2 ? [deep] : { n: deep };
    let copied = copyJson(deep);
    for (let i = 199_999; i >= 0; i--) copied = i % 2 ? (copied as unknown[])[0] : (copied as { n: unknown }).n;
    expect(copied).toBe("leaf");
  });

  it('copies a "__proto__" key as a plain own field, never as the prototype', () => {
    const src = JSON.parse('{"metadata":{"__proto__":{"polluted":true}}}');
    const copy = copyJson(src);
    expect(Object.getPrototypeOf(copy.metadata)).toBe(Object.prototype);
    expect(Object.keys(copy.metadata)).toEqual(["__proto__"]);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});

describe("withFastClone: Pepr's ramda clone copies through copyJson", () => {
  it("ramda's clone (what Pepr 1.1.4 calls) dispatches to it, and the copy carries it for the next copy", () => {
    const src = withFastClone(pod());
    const copy = R.clone(src);
    expect(copy).toEqual(src);
    expect(copy).not.toBe(src);
    expect(Object.prototype.propertyIsEnumerable.call(copy, "clone")).toBe(false);
    expect(typeof (copy as unknown as { clone: unknown }).clone).toBe("function");
    copy.spec.containers[0].env[0].value = "x";
    expect(src.spec.containers[0].env[0].value).toBe("0");
  });

  it("is invisible to JSON, Object.keys, JSON patches and deep equality", () => {
    const plain = pod();
    const src = withFastClone(pod());
    expect(JSON.stringify(src)).toBe(JSON.stringify(plain));
    expect(Object.keys(src)).toEqual(Object.keys(plain));
    expect(jsonPatch.compare(src, R.clone(src))).toEqual([]);
    expect(isDeepStrictEqual(src, plain)).toBe(true);
  });

  it("leaves an object's own clone field alone", () => {
    const src = { kind: "Thing", clone: "mine" };
    expect(withFastClone(src).clone).toBe("mine");
    expect(R.clone(src)).toEqual({ kind: "Thing", clone: "mine" });
  });

  it("is set by the module's beforeHook on the request's object and oldObject", () => {
    const request = { uid: "u", operation: "UPDATE", kind: { group: "", version: "v1", kind: "Pod" } };
    const review = { ...request, object: pod(), oldObject: pod() };
    prepareAdmissionRequest(review);
    for (const o of [review.object, review.oldObject])
      expect(Object.getOwnPropertyDescriptor(o, "clone")?.enumerable).toBe(false);
  });
});
