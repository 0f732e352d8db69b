import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { kustomizeBuild } from "../../tools/kustomize";
import { fluxKustomizations, fluxPathObjects } from "../../tools/flux/entry";
import { APP_NAMESPACES, LIMIT_RANGE, QUOTA } from "../../capabilities/config/platform";
import { guardrailObjectsFor } from "../../capabilities/config/namespace-guardrails";
import type { KubeObject } from "../../capabilities/k8s/object";
import { platformObjects, renderPlatform } from "../../lib/render";
import { find, kustomizationRoots, parse, renderedPlatform, REPO } from "./rendered";

const platform = renderedPlatform();
const of = (kind: string) => platform.filter(o => o.kind === kind);

describe("kustomization roots", () => {
  const roots = kustomizationRoots();
  it("are found under apps/ and clusters/", () => expect(roots.length).toBeGreaterThan(20));
  it.each(roots)("%s builds on its own", root => {
    expect(parse(kustomizeBuild(join(REPO, root))).length).toBeGreaterThan(0);
  });
});

describe("the seed's numbers in the rendered platform", () => {
  it.each([...APP_NAMESPACES])("%s gets compute-quota and the LimitRange exactly as the platform config says", ns => {
    expect((find(platform, "ResourceQuota", ns, QUOTA.name)?.spec as { hard: unknown }).hard).toEqual(QUOTA.hard);
    const lr = (find(platform, "LimitRange", ns, LIMIT_RANGE.name)?.spec as { limits: Record<string, unknown>[] })
      .limits[0];
    expect(lr).toEqual({ type: "Container", default: LIMIT_RANGE.default, defaultRequest: LIMIT_RANGE.defaultRequest });
  });

  it("leaves the namespace guardrails to the module: git writes none of the objects the module owns", () => {
    const rendered = renderPlatform(REPO);
    expect(rendered.fromModule.length).toBe(APP_NAMESPACES.length * 4);
    const id = (o: KubeObject) => `${o.kind} ${o.metadata?.namespace}/${o.metadata?.name}`;
    const owned = new Set(rendered.fromModule.map(id));
    expect(
      platformObjects(rendered)
        .map(id)
        .filter(i => owned.has(i)),
    ).toEqual([]);
    for (const ns of APP_NAMESPACES)
      expect(
        guardrailObjectsFor(ns)
          .map(id)
          .every(i => owned.has(i)),
      ).toBe(true);
  });

  it("has the PVC sizes of the seed on local-path", () => {
    const claims = new Map<string, string>();
    for (const o of platform) {
      if (o.kind === "PersistentVolumeClaim")
        claims.set(`${o.metadata?.namespace}/${o.metadata?.name}`, (o.spec as any).resources.requests.storage);
      for (const t of ((o.spec as any)?.volumeClaimTemplates ?? []) as any[])
        claims.set(`${o.metadata?.namespace}/${o.metadata?.name}`, t.spec.resources.requests.storage);
    }
    expect(Object.fromEntries(claims)).toEqual({
      "infra/kafka": "10Gi",
      "infra/postgresql": "10Gi",
      "monitoring/loki": "5Gi",
      "monitoring/grafana-data": "2Gi",
      "monitoring/victoria-metrics": "10Gi",
    });
    const zk = parse(kustomizeBuild(join(REPO, "apps/infra/kafka-zookeeper")));
    expect(
      (find(zk, "StatefulSet", "infra", "zookeeper")?.spec as any).volumeClaimTemplates[0].spec.resources.requests
        .storage,
    ).toBe("2Gi");
    const classes = platform.flatMap(o => [
      ...(o.kind === "PersistentVolumeClaim" ? [(o.spec as any).storageClassName] : []),
      ...(((o.spec as any)?.volumeClaimTemplates ?? []) as any[]).map(t => t.spec.storageClassName),
    ]);
    expect(new Set(classes)).toEqual(new Set(["local-path"]));
  });

  it("serves postgresql.infra:5432 from the pooler and kafka.infra:9092 from the broker", () => {
    const pg = find(platform, "Service", "infra", "postgresql")?.spec as any;
    expect(pg.ports[0].port).toBe(5432);
    expect(pg.selector["app.kubernetes.io/name"]).toBe("pgbouncer");
    const kafka = find(platform, "Service", "infra", "kafka")?.spec as any;
    expect(kafka.ports[0].port).toBe(9092);
    expect(kafka.selector["app.kubernetes.io/name"]).toBe("kafka");
  });

  it("uses ClusterIP for every Service but the ingress controller's", () => {
    const types = Object.fromEntries(
      of("Service").map(s => [`${s.metadata?.namespace}/${s.metadata?.name}`, (s.spec as any).type ?? "ClusterIP"]),
    );
    const notClusterIp = Object.entries(types).filter(([, t]) => t !== "ClusterIP");
    expect(notClusterIp).toEqual([["ingress-nginx/ingress-nginx-controller", "LoadBalancer"]]);
  });

  it("exposes app.local, api.local/api and the admin UIs through the NGINX ingress class", () => {
    const rules = of("Ingress").flatMap(i =>
      ((i.spec as any).rules as any[]).map(r => `${r.host}${r.http.paths[0].path}`),
    );
    expect(rules.sort()).toEqual([
      "api.local/api",
      "app.local/",
      "grafana.bonsai.local/",
      "kafka-ui.bonsai.local/",
      "pgadmin.bonsai.local/",
    ]);
    expect(new Set(of("Ingress").map(i => (i.spec as any).ingressClassName))).toEqual(new Set(["nginx"]));
  });

  it("maps k3d's ports 8080:80 and 8443:443 to the load balancer, without Traefik, on k3s 1.35", () => {
    const k3d = load(readFileSync(join(REPO, "clusters/local/k3d.yaml"), "utf8")) as any;
    expect(k3d.apiVersion).toBe("k3d.io/v1alpha5");
    expect(k3d.ports).toEqual([
      { port: "8080:80", nodeFilters: ["loadbalancer"] },
      { port: "8443:443", nodeFilters: ["loadbalancer"] },
    ]);
    expect(k3d.image).toMatch(/^rancher\/k3s:v1\.35\.\d+-k3s\d+$/);
    expect(k3d.options.k3s.extraArgs).toContainEqual({ arg: "--disable=traefik", nodeFilters: ["server:*"] });
    expect(k3d.volumes[0].volume).toMatch(/:\/var\/lib\/rancher\/k3s\/storage$/);
  });

  it("layers the platform as a DAG: apps need infra (not monitoring), the admin UIs are a leaf, all wait and prune", () => {
    const layers = fluxKustomizations(fluxPathObjects(REPO, join(REPO, "clusters/local")));
    const deps = Object.fromEntries(
      layers.map(l => [l.metadata?.name, ((l.spec as any).dependsOn ?? []).map((d: any) => d.name)]),
    );
    expect(deps).toEqual({
      crds: [],
      guardrails: ["crds"],
      namespaces: ["guardrails"],
      ingress: ["namespaces"],
      infra: ["namespaces"],
      admin: ["infra"],
      monitoring: ["namespaces"],
      metrics: ["infra"],
      apps: ["infra"],
    });
    for (const l of layers)
      expect(l.spec as any).toMatchObject({
        prune: true,
        wait: true,
        sourceRef: { kind: "GitRepository", name: "flux-system" },
      });
    // Nothing depends on the admin UIs, monitoring or metrics: one failing blocks no other layer.
    for (const leaf of ["admin", "monitoring", "metrics"]) expect(Object.values(deps).flat()).not.toContain(leaf);
  });

  it("leaves clusters/local/flux-system/ to flux bootstrap and keeps k3d.yaml out of what Flux reads", () => {
    // bootstrap writes gotk-components.yaml, gotk-sync.yaml and kustomization.yaml there and keeps an existing
    // kustomization.yaml: anything committed in that folder would shadow what it writes.
    expect(existsSync(join(REPO, "clusters/local/flux-system"))).toBe(false);
    // A kustomization.yaml in clusters/local would hide bootstrap's flux-system/ folder from Flux's generator.
    expect(existsSync(join(REPO, "clusters/local/kustomization.yaml"))).toBe(false);
    const kinds = fluxPathObjects(REPO, join(REPO, "clusters/local")).map(o => `${o.apiVersion}/${o.kind}`);
    expect(new Set(kinds)).toEqual(new Set(["kustomize.toolkit.fluxcd.io/v1/Kustomization"]));
  });

  it("installs our chart through HelmReleases from the same GitRepository, redeploying on every revision", () => {
    for (const hr of of("HelmRelease")) {
      expect((hr.spec as any).chart.spec).toEqual({
        chart: "./charts/bonsai-app",
        sourceRef: { kind: "GitRepository", name: "flux-system", namespace: "flux-system" },
        reconcileStrategy: "Revision",
      });
    }
    expect(
      of("HelmRelease")
        .map(h => h.metadata?.namespace)
        .sort(),
    ).toEqual(["backend", "frontend"]);
  });

  it("carries app.kubernetes.io labels on every workload and no plaintext Secret", () => {
    for (const w of platform.filter(o => ["Deployment", "StatefulSet", "DaemonSet"].includes(String(o.kind)))) {
      expect(w.metadata?.labels).toMatchObject({
        "app.kubernetes.io/name": expect.any(String),
        "app.kubernetes.io/part-of": "bonsai",
      });
    }
    expect(platform.filter((o: KubeObject) => o.kind === "Secret")).toEqual([]);
  });
});

describe("the violations dashboard", () => {
  it("is provisioned into Grafana and reads the Loki data source the platform provisions", () => {
    const grafana = parse(kustomizeBuild(join(REPO, "apps/monitoring/grafana")));
    const dashboards = grafana.find(
      o => o.kind === "ConfigMap" && String(o.metadata?.name).startsWith("grafana-dashboards-bonsai"),
    )!;
    const dashboard = JSON.parse((dashboards as any).data["bonsai-violations.json"]);
    const datasources = load(
      (grafana.find(o => o.metadata?.name === "grafana-datasources") as any).data["loki.yaml"],
    ) as any;
    const lokiUid = datasources.datasources[0].uid;
    expect(dashboard.panels.length).toBeGreaterThan(0);
    for (const panel of dashboard.panels) {
      expect(panel.datasource).toEqual({ type: "loki", uid: lokiUid });
      for (const t of panel.targets) expect(t.expr).toContain('bonsai="policy-result"');
    }
    const volumes = (grafana.find(o => o.kind === "Deployment") as any).spec.template.spec.volumes.map(
      (v: any) => v.configMap?.name,
    );
    expect(volumes).toEqual(expect.arrayContaining([dashboards.metadata?.name, "grafana-dashboard-provider"]));
  });
});
