import { guardrailObjectsFor } from "../../capabilities/config/namespace-guardrails";
import { APP_NAMESPACES, QUOTA } from "../../capabilities/config/platform";
import {
  activeQuotaSize,
  QUOTA_SIZE_ENV,
  QUOTA_SIZES,
  quotaFor,
  quotaSizeNamed,
} from "../../capabilities/config/quota-sizes";
import { contextFromObjects } from "../../capabilities/engine/context";
import { parseQuantity } from "../../capabilities/k8s/quantity";
import { resourceCaps } from "../../capabilities/policies/resources/resource-caps";

const ctx = () => contextFromObjects([], { level: "restricted", mutate: false });
const quotaOf = (ns: string, size: "single-node" | "three-node") =>
  guardrailObjectsFor(ns, size).find(o => o.kind === "ResourceQuota")!;

function withSize<T>(value: string | undefined, fn: () => T): T {
  const before = process.env[QUOTA_SIZE_ENV];
  if (value === undefined) delete process.env[QUOTA_SIZE_ENV];
  else process.env[QUOTA_SIZE_ENV] = value;
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env[QUOTA_SIZE_ENV];
    else process.env[QUOTA_SIZE_ENV] = before;
  }
}

describe("quota sizes", () => {
  it("default to the seed's quota: unset or empty is single-node, which changes no namespace", () => {
    expect(activeQuotaSize({})).toBe("single-node");
    expect(activeQuotaSize({ [QUOTA_SIZE_ENV]: "" })).toBe("single-node");
    for (const ns of APP_NAMESPACES) expect(quotaOf(ns, "single-node").spec).toEqual({ hard: QUOTA.hard });
  });

  it("three-node scales infra only, and every number up (never below the seed's)", () => {
    const scaled = APP_NAMESPACES.filter(
      ns => JSON.stringify(quotaFor(ns, "three-node")) !== JSON.stringify(QUOTA.hard),
    );
    expect(scaled).toEqual(["infra"]);
    const infra = quotaFor("infra", "three-node");
    expect(infra.persistentvolumeclaims).toBe("8");
    for (const key of Object.keys(QUOTA.hard) as (keyof typeof QUOTA.hard)[])
      expect([key, parseQuantity(infra[key])! > parseQuantity(QUOTA.hard[key])!]).toEqual([key, true]);
    expect(quotaOf("infra", "three-node").spec).toEqual({ hard: QUOTA_SIZES["three-node"].infra });
  });

  it("refuses an unknown size, naming the variable, the value and the sizes there are", () => {
    expect(() => activeQuotaSize({ [QUOTA_SIZE_ENV]: "huge" })).toThrow(
      'environment variable BONSAI_QUOTA_SIZE is "huge", not a quota size; use one of single-node, three-node',
    );
    expect(() => quotaSizeNamed("__proto__", "x.yaml: env")).toThrow('x.yaml: env is "__proto__", not a quota size');
  });

  it("the module reads its size from its environment", () => {
    expect(withSize("three-node", () => quotaOf("infra", activeQuotaSize()).spec)).toEqual({
      hard: QUOTA_SIZES["three-node"].infra,
    });
    expect(withSize(undefined, () => guardrailObjectsFor("infra")[0].spec)).toEqual({ hard: QUOTA.hard });
  });
});

describe("resource-caps at the cluster's quota size", () => {
  const infraQuota = quotaOf("infra", "three-node");

  it("admits the module's own three-node quota when the module runs at three-node", () => {
    expect(withSize("three-node", () => resourceCaps.evaluate(infraQuota, ctx()).map(r => r.result))).toEqual(["pass"]);
  });

  it("refuses the same quota on a single node, naming the cap", () => {
    const messages = withSize(undefined, () => resourceCaps.evaluate(infraQuota, ctx()).map(r => r.message));
    expect(messages).toContain(
      'spec.hard["persistentvolumeclaims"] is "8"; allowed: at most 5 (the platform cap for persistentvolumeclaims)',
    );
  });

  it("caps at the size the context names (a cluster's, for bonsai up's live verdict), whatever this process's is", () => {
    const three = contextFromObjects([], { level: "restricted", mutate: false, quotaSize: "three-node" });
    expect(withSize(undefined, () => resourceCaps.evaluate(infraQuota, three).map(r => r.result))).toEqual(["pass"]);
    const single = contextFromObjects([], { level: "restricted", mutate: false, quotaSize: "single-node" });
    expect(withSize("three-node", () => resourceCaps.evaluate(infraQuota, single)[0].result)).toBe("fail");
  });

  it("keeps the seed's cap for every other namespace at three-node", () => {
    const frontend = { ...infraQuota, metadata: { ...infraQuota.metadata, namespace: "frontend" } };
    const results = withSize("three-node", () => resourceCaps.evaluate(frontend, ctx()));
    expect(results.map(r => r.result)).toEqual(Array(5).fill("fail"));
    expect(results.map(r => r.message)).toContain(
      'spec.hard["persistentvolumeclaims"] is "8"; allowed: at most 5 (the platform cap for persistentvolumeclaims)',
    );
  });
});
