import fc from "fast-check";
import { applySecureDefaults } from "../../capabilities/policies/pod-security/mutate";
import { podSecurityResults } from "./pod-security-results";
import { decideAdmission } from "../../capabilities/engine/admission";
import { contextFromObjects } from "../../capabilities/engine/context";
import { evaluateObject } from "../../capabilities/engine/engine";
import type { KubeObject } from "../../capabilities/k8s/object";

// Thousands of generated specs: the policy code must never throw, whatever it is given.
const junk = fc.anything({ maxDepth: 4, withNullPrototype: false, withObjectString: true });
const securityContextJunk = fc.oneof(junk, fc.record({ securityContext: junk, name: fc.string() }));

const malformedPod = fc.record(
  {
    apiVersion: fc.oneof(fc.constant("v1"), junk),
    kind: fc.constantFrom("Pod", "Deployment", "CronJob", "Job", "StatefulSet", "Service"),
    metadata: fc.oneof(fc.record({ name: fc.string(), annotations: fc.dictionary(fc.string(), fc.string()) }), junk),
    spec: fc.oneof(
      junk,
      fc.record({
        containers: fc.oneof(fc.array(securityContextJunk), junk),
        initContainers: fc.oneof(fc.array(securityContextJunk), junk),
        ephemeralContainers: fc.oneof(fc.array(securityContextJunk), junk),
        securityContext: junk,
        volumes: fc.oneof(fc.array(junk), junk),
        template: junk,
        hostUsers: junk,
        os: junk,
      }),
    ),
  },
  { requiredKeys: [] },
);

describe("property: odd and malformed specs", () => {
  it("never make mutate, validate or the admission decision throw", () => {
    fc.assert(
      fc.property(malformedPod, obj => {
        const o = obj as KubeObject;
        evaluateObject(o, contextFromObjects([o], { level: "restricted", mutate: false }));
        evaluateObject(o, contextFromObjects([], { level: "baseline", mutate: true }));
        decideAdmission({ object: o, operation: "CREATE" }, contextFromObjects([], { mutate: true }));
        applySecureDefaults(o);
        podSecurityResults(o, { level: "restricted" });
      }),
      { numRuns: 3000 },
    );
  });
});

// Well-typed specs whose security fields are each either unset or set to a random (possibly bad) value.
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });
const capability = fc.constantFrom("ALL", "NET_BIND_SERVICE", "CHOWN", "SYS_ADMIN", "NET_RAW");
const containerSC = fc.record(
  {
    privileged: maybe(fc.boolean()),
    allowPrivilegeEscalation: maybe(fc.boolean()),
    readOnlyRootFilesystem: maybe(fc.boolean()),
    runAsNonRoot: maybe(fc.boolean()),
    runAsUser: maybe(fc.integer({ min: 0, max: 70000 })),
    capabilities: maybe(
      fc.record({ add: maybe(fc.array(capability)), drop: maybe(fc.array(capability)) }, { requiredKeys: [] }),
    ),
    seccompProfile: maybe(fc.record({ type: fc.constantFrom("RuntimeDefault", "Localhost", "Unconfined") })),
    procMount: maybe(fc.constantFrom("Default", "Unmasked")),
  },
  { requiredKeys: [] },
);
const container = (name: string) =>
  fc.record(
    { name: fc.constant(name), image: fc.constant("nginx:1.27"), securityContext: maybe(containerSC) },
    { requiredKeys: ["name", "image"] },
  );
const wellTypedPod = fc.record({
  apiVersion: fc.constant("v1"),
  kind: fc.constant("Pod"),
  metadata: fc.constant({ name: "p" }),
  spec: fc.record(
    {
      containers: fc.array(container("c"), { minLength: 1, maxLength: 3 }),
      initContainers: maybe(fc.array(container("i"), { maxLength: 2 })),
      securityContext: maybe(
        fc.record(
          {
            runAsNonRoot: maybe(fc.boolean()),
            runAsUser: maybe(fc.integer({ min: 0, max: 70000 })),
            seccompProfile: maybe(fc.record({ type: fc.constantFrom("RuntimeDefault", "Unconfined") })),
          },
          { requiredKeys: [] },
        ),
      ),
      volumes: maybe(
        fc.array(fc.constantFrom({ name: "e", emptyDir: {} }, { name: "s", secret: { secretName: "x" } })),
      ),
    },
    { requiredKeys: ["containers"] },
  ),
});

/** Drops undefined members so that "unset" means absent, as it does in YAML. */
const clean = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe("property: mutate then validate", () => {
  it("passes restricted for every spec that sets no security field", () => {
    const noSecurityFields = wellTypedPod.map(p => {
      const pod = clean(p) as KubeObject & { spec: Record<string, any> };
      delete pod.spec.securityContext;
      for (const c of [...pod.spec.containers, ...(pod.spec.initContainers ?? [])]) delete c.securityContext;
      return pod;
    });
    fc.assert(
      fc.property(noSecurityFields, pod => {
        applySecureDefaults(pod);
        const notPassing = podSecurityResults(pod, { level: "restricted" }).filter(r => r.result !== "pass");
        expect(notPassing).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it("leaves only violations that an explicit value in the original spec causes", () => {
    fc.assert(
      fc.property(wellTypedPod, p => {
        const original = clean(p) as KubeObject;
        const pod = structuredClone(original);
        applySecureDefaults(pod);
        const explicit = (path: string) =>
          resolve(original, path) !== undefined || explainedByNeighbour(original, path);
        for (const r of podSecurityResults(pod, { level: "restricted" }).filter(x => x.result === "fail")) {
          for (const path of r.properties!.fields.split(",")) {
            expect({ rule: r.rule, path, explicit: explicit(path) }).toEqual({ rule: r.rule, path, explicit: true });
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});

/** Reads a dotted path with [index] segments. */
function resolve(obj: unknown, path: string): unknown {
  let node: unknown = obj;
  for (const part of path.replace(/\[(\d+)\]/g, ".$1").split(".")) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/**
 * Findings on unset fields that an explicit value elsewhere causes: allowPrivilegeEscalation is left
 * unset beside an explicit privileged/SYS_ADMIN (the API refuses false there); runAsNonRoot/runAsUser
 * at container level are "unset" when the pod level was explicitly set to a bad value.
 */
function explainedByNeighbour(original: KubeObject, path: string): boolean {
  const container = path.match(/^(spec\.\w+\[\d+\])\.securityContext\.(\w+)/);
  if (container) {
    const sc = resolve(original, `${container[1]}.securityContext`) as Record<string, any> | undefined;
    if (container[2] === "allowPrivilegeEscalation")
      return sc?.privileged === true || (sc?.capabilities?.add ?? []).includes("SYS_ADMIN");
    const podSC = resolve(original, "spec.securityContext") as Record<string, any> | undefined;
    if (container[2] === "runAsNonRoot") return podSC?.runAsNonRoot === false;
    if (container[2] === "seccompProfile") return podSC?.seccompProfile !== undefined;
  }
  if (path === "spec.securityContext.runAsUser")
    return resolve(original, path) === 0 || /runAsUser/.test(JSON.stringify(original));
  return false;
}
