import type { KubeObject } from "../../capabilities/k8s/object";
import { computeFootprint, containerAmounts, defaultsByNamespace, podAmounts } from "../../lib/footprint/compute";
import { verdict } from "../../lib/footprint/verdict";
import { collectFootprint } from "../../lib/footprint/collect";
import { formatFootprint } from "../../lib/footprint/format";
import { platformObjects, renderPlatform } from "../../lib/render";

const Mi = 2 ** 20;
const Gi = 2 ** 30;

const container = (name: string, requests?: object, limits?: object, extra: object = {}) => ({
  name,
  image: "x:1",
  resources: { ...(requests && { requests }), ...(limits && { limits }) },
  ...extra,
});

const deployment = (
  name: string,
  namespace: string,
  replicas: number | undefined,
  containers: object[],
): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace },
  spec: { ...(replicas !== undefined && { replicas }), template: { spec: { containers } } },
});

const limitRange = (namespace: string, limit: object, name = "lr"): KubeObject => ({
  apiVersion: "v1",
  kind: "LimitRange",
  metadata: { name, namespace },
  spec: { limits: [{ type: "Container", ...limit }] },
});

describe("footprint: containers", () => {
  it("takes explicit requests and limits", () => {
    const a = containerAmounts(container("a", { cpu: "250m", memory: "64Mi" }, { cpu: "1", memory: "128Mi" }));
    expect(a.requests).toEqual({ cpu: 0.25, memory: 64 * Mi });
    expect(a.limits).toMatchObject({ cpu: 1, memory: 128 * Mi, cpuUnbounded: false, memoryUnbounded: false });
    expect(a.defaulted).toBe(false);
  });

  it("requests the limit when only a limit is set (API defaulting beats the LimitRange)", () => {
    const d = defaultsByNamespace([
      limitRange("ns", { defaultRequest: { memory: "10Mi" }, default: { memory: "20Mi" } }),
    ]);
    const a = containerAmounts(container("a", undefined, { memory: "300Mi" }), d.get("ns"));
    expect(a.requests.memory).toBe(300 * Mi);
    expect(a.limits.memory).toBe(300 * Mi);
  });

  it("fills missing values from the LimitRange; defaultRequest falls back to default", () => {
    const d = defaultsByNamespace([limitRange("ns", { default: { cpu: "500m", memory: "512Mi" } })]);
    const a = containerAmounts(container("a"), d.get("ns"));
    expect(a.requests).toEqual({ cpu: 0.5, memory: 512 * Mi });
    expect(a.limits).toMatchObject({ cpu: 0.5, memory: 512 * Mi });
    expect(a.defaulted).toBe(true);
  });

  it("with several LimitRanges, the first by name sets each default", () => {
    const d = defaultsByNamespace([
      limitRange("ns", { defaultRequest: { memory: "2Mi" } }, "b"),
      limitRange("ns", { defaultRequest: { memory: "1Mi" } }, "a"),
    ]);
    expect(containerAmounts(container("c"), d.get("ns")).requests.memory).toBe(1 * Mi);
  });

  it("a container without limit or default has an unbounded limit and requests nothing", () => {
    const a = containerAmounts(container("a"));
    expect(a.requests).toEqual({ cpu: 0, memory: 0 });
    expect(a.limits).toMatchObject({ cpuUnbounded: true, memoryUnbounded: true });
  });
});

describe("footprint: pods (effective request rule)", () => {
  it("sums app containers", () => {
    const p = podAmounts({
      containers: [container("a", { cpu: "100m", memory: "100Mi" }), container("b", { cpu: "200m", memory: "50Mi" })],
    });
    expect(p.requests.cpu).toBeCloseTo(0.3);
    expect(p.requests.memory).toBe(150 * Mi);
  });

  it("a large init container raises the pod's request to its own", () => {
    const p = podAmounts({
      initContainers: [container("init", { memory: "1Gi" })],
      containers: [container("a", { memory: "100Mi" }), container("b", { memory: "100Mi" })],
    });
    expect(p.requests.memory).toBe(1 * Gi);
  });

  it("sidecars (restartPolicy Always) add to the app containers and to later init steps", () => {
    const p = podAmounts({
      initContainers: [
        container("sidecar", { memory: "100Mi" }, undefined, { restartPolicy: "Always" }),
        container("migrate", { memory: "500Mi" }),
      ],
      containers: [container("app", { memory: "200Mi" })],
    });
    // max(app 200 + sidecar 100, sidecar 100 + migrate 500) = 600Mi
    expect(p.requests.memory).toBe(600 * Mi);
    const q = podAmounts({
      initContainers: [container("sidecar", { memory: "100Mi" }, undefined, { restartPolicy: "Always" })],
      containers: [container("app", { memory: "200Mi" })],
    });
    expect(q.requests.memory).toBe(300 * Mi);
  });

  it("one container without a memory limit makes the pod's limit unbounded", () => {
    const p = podAmounts({ containers: [container("a", undefined, { memory: "1Gi" }), container("b")] });
    expect(p.limits.memoryUnbounded).toBe(1);
  });
});

describe("footprint: workloads, namespaces, totals", () => {
  const c = () => container("app", { cpu: "100m", memory: "256Mi" }, { cpu: "200m", memory: "512Mi" });

  it("multiplies by replicas (default 1)", () => {
    const f = computeFootprint([deployment("a", "ns", 3, [c()]), deployment("b", "ns", undefined, [c()])]);
    expect(f.total.pods).toBe(4);
    expect(f.total.requests.memory).toBe(4 * 256 * Mi);
    expect(f.total.limits.memory).toBe(4 * 512 * Mi);
  });

  it("uses an HPA's minReplicas for its target", () => {
    const hpa: KubeObject = {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "web", namespace: "ns" },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        minReplicas: 2,
        maxReplicas: 5,
      },
    };
    const f = computeFootprint([deployment("web", "ns", 1, [c()]), hpa]);
    expect(f.workloads[0]).toMatchObject({ pods: 2, podsFrom: "HPA web minReplicas" });
  });

  it("counts a DaemonSet once (one node) and StatefulSet claims per replica", () => {
    const ds: KubeObject = {
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "alloy", namespace: "monitoring" },
      spec: { template: { spec: { containers: [c()] } } },
    };
    const sts: KubeObject = {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "kafka", namespace: "infra" },
      spec: {
        replicas: 2,
        template: { spec: { containers: [c()] } },
        volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { resources: { requests: { storage: "10Gi" } } } }],
      },
    };
    const pvc: KubeObject = {
      apiVersion: "v1",
      kind: "PersistentVolumeClaim",
      metadata: { name: "grafana", namespace: "monitoring" },
      spec: { resources: { requests: { storage: "2Gi" } } },
    };
    const f = computeFootprint([ds, sts, pvc]);
    const byNs = Object.fromEntries(f.namespaces.map(n => [n.namespace, n]));
    expect(byNs.monitoring).toMatchObject({ pods: 1, storage: 2 * Gi });
    expect(byNs.infra).toMatchObject({ pods: 2, storage: 20 * Gi });
    expect(f.total.storage).toBe(22 * Gi);
  });

  it("applies extra LimitRanges (the module's) to containers without resources", () => {
    const bare = deployment("bare", "backend", 2, [{ name: "app", image: "x:1" }]);
    const f = computeFootprint(
      [bare],
      [limitRange("backend", { default: { memory: "512Mi" }, defaultRequest: { memory: "256Mi" } })],
    );
    expect(f.total.requests.memory).toBe(512 * Mi);
    expect(f.workloads[0].defaulted).toBe(1);
  });

  it("says whether it fits the 6 GiB target", () => {
    const small = computeFootprint([deployment("a", "ns", 1, [c()])]);
    expect(verdict(small).fits).toBe(true);
    const big = computeFootprint([deployment("a", "ns", 25, [c()])]); // 6.25 GiB of requests
    const v = verdict(big);
    expect(v.fits).toBe(false);
    expect(v.memoryRequestsGiB).toBe(6.25);
    expect(v.reasons.join(" ")).toMatch(/exceed the 8 GiB VM/);
  });

  it("ignores objects that run no pods and malformed resources without throwing", () => {
    const f = computeFootprint([
      { apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "ns" } },
      deployment("odd", "ns", 1, [{ name: "a", resources: { requests: { memory: "lots" } } }]),
    ]);
    expect(f.total.requests.memory).toBe(0);
  });
});

describe("footprint of this repository (bonsai footprint)", () => {
  it("counts every workload the renderer puts in the cluster, our chart's releases included", () => {
    const report = collectFootprint({ k3s: false });
    const rendered = platformObjects(renderPlatform()).filter(o =>
      ["Deployment", "StatefulSet", "DaemonSet"].includes(String(o.kind)),
    );
    const counted = new Set(report.footprint.workloads.map(w => `${w.kind} ${w.namespace}/${w.name}`));
    for (const o of rendered) expect(counted).toContain(`${o.kind} ${o.metadata?.namespace}/${o.metadata?.name}`);
    expect(report.sources).toContain("charts/bonsai-app (HelmRelease frontend/frontend)");
    expect(report.notCounted.join("\n")).toMatch(/flux-system/);
    expect(formatFootprint(report)).toMatch(/^(FITS|DOES NOT FIT): /m);
  });
});
