import { containerResources } from "../../capabilities/policies/resources/container-resources";
import { resourceCaps } from "../../capabilities/policies/resources/resource-caps";
import { contextFromObjects } from "../../capabilities/engine/context";
import { parseQuantity } from "../../capabilities/k8s/quantity";
import { guardrailObjectsFor } from "../../capabilities/config/namespace-guardrails";
import { LIMIT_RANGE, QUOTA } from "../../capabilities/config/platform";
import type { KubeObject } from "../../capabilities/k8s/object";
import { asWorkload, compliantPod, withSpec } from "../support/pods";

const ctx = (objects: KubeObject[] = []) => contextFromObjects(objects, { level: "restricted", mutate: false });

describe("parseQuantity", () => {
  it.each([
    ["500m", 0.5],
    ["2", 2],
    ["512Mi", 512 * 2 ** 20],
    ["1Gi", 2 ** 30],
    ["1G", 1e9],
    ["1e3", 1000],
    [".5", 0.5],
    [3, 3],
  ])("%s", (q, n) => expect(parseQuantity(q)).toBeCloseTo(n as number));
  it.each(["", "abc", "1.2.3", "5 Gi", null, {}])("rejects %p", q => expect(parseQuantity(q)).toBeUndefined());
});

describe("container-resources", () => {
  const noResources = () =>
    withSpec(compliantPod(), s => {
      s.containers[0].resources = { requests: { cpu: "100m" } };
      delete s.initContainers[0].resources;
    });
  const inNs = (obj: KubeObject, ns: string) => ({ ...obj, metadata: { ...obj.metadata, namespace: ns } });

  it("fails containers without requests and limits where no LimitRange fills them, naming each field", () => {
    const [fail] = containerResources.evaluate(inNs(noResources(), "shop"), ctx());
    expect(fail.result).toBe("fail");
    expect(fail.message).toContain('spec.containers[0].resources.limits.cpu (container "app")');
    expect(fail.message).toContain('spec.containers[0].resources.requests.memory (container "app")');
    expect(fail.message).toContain('spec.initContainers[0].resources.limits.memory (container "init")');
    expect(fail.message).not.toContain("containers[0].resources.requests.cpu");
    expect(fail.message).toContain("namespace shop has no LimitRange to fill them");
  });

  it("passes in an app namespace: the module's LimitRange defaults fill them", () => {
    expect(containerResources.evaluate(inNs(noResources(), "backend"), ctx())[0].result).toBe("pass");
  });

  it("passes where a LimitRange among the objects defaults both limits and requests", () => {
    const lr = { ...guardrailObjectsFor("backend")[1], metadata: { name: "lr", namespace: "shop" } };
    expect(containerResources.evaluate(inNs(noResources(), "shop"), ctx([lr]))[0].result).toBe("pass");
  });

  it("a missing request is fine when the limit is set (it defaults to the limit)", () => {
    const pod = withSpec(compliantPod(), s => {
      for (const c of [...s.containers, ...s.initContainers]) c.resources = { limits: { cpu: "1", memory: "1Gi" } };
    });
    expect(containerResources.evaluate(pod, ctx())[0].result).toBe("pass");
  });

  it("judges workload templates", () => {
    const d = asWorkload(
      "Deployment",
      withSpec(compliantPod(), s => delete s.containers[0].resources),
    );
    expect(containerResources.evaluate(d, ctx())[0].message).toContain(
      "spec.template.spec.containers[0].resources.limits.cpu",
    );
  });
});

describe("resource-caps", () => {
  const quota = (hard: Record<string, unknown>): KubeObject => ({
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: { name: "q", namespace: "backend" },
    spec: { hard },
  });
  const limitRange = (limit: Record<string, unknown>): KubeObject => ({
    apiVersion: "v1",
    kind: "LimitRange",
    metadata: { name: "l", namespace: "backend" },
    spec: { limits: [{ type: "Container", ...limit }] },
  });

  it("accepts the platform's own quota and limit range", () => {
    for (const obj of guardrailObjectsFor("infra").filter(o => o.kind !== "NetworkPolicy")) {
      expect(resourceCaps.evaluate(obj, ctx()).map(r => r.result)).toEqual(["pass"]);
    }
  });

  it("refuses a quota above the caps, naming key, value and cap", () => {
    const results = resourceCaps.evaluate(
      quota({ ...QUOTA.hard, "limits.memory": "16Gi", cpu: "5", pods: "100" }),
      ctx(),
    );
    expect(results.map(r => r.message)).toEqual([
      'spec.hard["limits.memory"] is "16Gi"; allowed: at most 8Gi (the platform cap for limits.memory)',
      'spec.hard["cpu"] is "5"; allowed: at most 4 (the platform cap for requests.cpu)',
    ]);
  });

  it("reports a quota value that is not a quantity", () => {
    expect(resourceCaps.evaluate(quota({ "requests.cpu": "lots" }), ctx())[0].message).toContain("not a quantity");
  });

  it("refuses a limit range whose container values exceed the cap, or whose request exceeds its limit", () => {
    const results = resourceCaps.evaluate(
      limitRange({ default: { cpu: "4", memory: "512Mi" }, defaultRequest: { memory: "1Gi" }, max: { memory: "3Gi" } }),
      ctx(),
    );
    const messages = results.map(r => r.message).join("\n");
    expect(messages).toContain(
      `spec.limits[0].default.cpu is "4"; allowed: at most ${LIMIT_RANGE.containerCap.cpu} per container`,
    );
    expect(messages).toContain('spec.limits[0].max.memory is "3Gi"');
    expect(messages).toContain('spec.limits[0].defaultRequest.memory is "1Gi", above the default limit "512Mi"');
  });
});

describe("guardrail objects of app namespaces", () => {
  it("hold the seed's quota and limit range, default-deny and DNS egress", () => {
    const objs = guardrailObjectsFor("frontend");
    expect(objs.map(o => `${o.kind}/${o.metadata?.name}`)).toEqual([
      "ResourceQuota/compute-quota",
      "LimitRange/default-limits",
      "NetworkPolicy/default-deny",
      "NetworkPolicy/allow-dns-egress",
    ]);
    expect((objs[0].spec as { hard: unknown }).hard).toEqual({
      "requests.cpu": "4",
      "requests.memory": "4Gi",
      "limits.cpu": "8",
      "limits.memory": "8Gi",
      persistentvolumeclaims: "5",
    });
    expect((objs[1].spec as { limits: unknown[] }).limits[0]).toEqual({
      type: "Container",
      default: { cpu: "500m", memory: "512Mi" },
      defaultRequest: { cpu: "250m", memory: "256Mi" },
    });
    expect(objs.every(o => o.metadata?.namespace === "frontend")).toBe(true);
  });

  it("are none for namespaces outside the platform", () => {
    expect(guardrailObjectsFor("default")).toEqual([]);
  });
});
