import { join } from "node:path";
import { contextFromObjects } from "../../capabilities/engine/context";
import { workloadHygiene } from "../../capabilities/policies/workloads/workload-hygiene";
import { namespacePodSecurity } from "../../capabilities/policies/namespaces/namespace-labels";
import { kustomizeBuild } from "../../tools/kustomize";
import type { KubeObject } from "../../capabilities/k8s/object";
import { parse, REPO, renderedPlatform } from "./rendered";

// The tree passes its own hygiene and namespace rules (warn mode at admission; here nothing may be reported),
// the ZooKeeper variant included although it is not part of the default platform.
const objects = [...renderedPlatform(), ...parse(kustomizeBuild(join(REPO, "apps", "infra", "kafka-zookeeper")))];
const ctx = contextFromObjects(objects, { mutate: false });
const reported = (policy: typeof workloadHygiene, objs: KubeObject[]) =>
  objs
    .filter(o => policy.kinds.includes(String(o.kind)))
    .flatMap(o => policy.evaluate(o, ctx).map(r => ({ o, r })))
    .filter(({ r }) => r.result !== "pass")
    .map(({ o, r }) => `${o.kind} ${o.metadata?.namespace}/${o.metadata?.name} [${r.rule}] ${r.message}`);

describe("hygiene of every workload in the tree", () => {
  it("judges every workload (a sanity floor: the platform has more than ten)", () => {
    expect(objects.filter(o => workloadHygiene.kinds.includes(String(o.kind))).length).toBeGreaterThan(10);
  });

  it("has no workload-hygiene finding: tokens, probes, ephemeral storage, emptyDir sizes, headless serviceName", () => {
    expect(reported(workloadHygiene, objects)).toEqual([]);
  });

  it("has every governed namespace enforcing Pod Security restricted", () => {
    expect(objects.filter(o => o.kind === "Namespace").length).toBeGreaterThanOrEqual(5);
    expect(reported(namespacePodSecurity, objects)).toEqual([]);
  });
});
