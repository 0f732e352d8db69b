import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { clusterLayers, platformObjects, renderPlatform } from "../../lib/render";

/** A scratch repository: clusters/local with Flux Kustomizations, and the layer folders they point at. */
function scratchRepo(files: Record<string, unknown>): string {
  const root = mkdtempSync(join(tmpdir(), "bonsai-render-"));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), typeof content === "string" ? content : stringify(content));
  }
  return root;
}

const fluxLayer = (name: string, path: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: "kustomize.toolkit.fluxcd.io/v1",
  kind: "Kustomization",
  metadata: { name, namespace: "flux-system" },
  spec: { path, sourceRef: { kind: "GitRepository", name: "flux-system" }, ...extra },
});

const kustomization = (resources: string[]) => ({
  apiVersion: "kustomize.config.k8s.io/v1beta1",
  kind: "Kustomization",
  resources,
});

describe("lib/render: the platform as Flux applies it", () => {
  let root: string;
  beforeAll(() => {
    root = scratchRepo({
      "clusters/local/kustomization.yaml": kustomization(["b.yaml", "a.yaml"]),
      "clusters/local/a.yaml": fluxLayer("apps", "./apps/web", {
        dependsOn: [{ name: "base" }],
        targetNamespace: "web",
      }),
      "clusters/local/b.yaml": fluxLayer("base", "./apps/base"),
      "apps/base/kustomization.yaml": kustomization(["ns.yaml"]),
      "apps/base/ns.yaml": { apiVersion: "v1", kind: "Namespace", metadata: { name: "web" } },
      "apps/web/kustomization.yaml": kustomization(["cm.yaml", "hr.yaml"]),
      "apps/web/cm.yaml": { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "elsewhere" } },
      "apps/web/hr.yaml": {
        apiVersion: "helm.toolkit.fluxcd.io/v2",
        kind: "HelmRelease",
        metadata: { name: "remote", namespace: "web" },
        spec: { chart: { spec: { chart: "nginx", sourceRef: { kind: "HelmRepository", name: "bitnami" } } } },
      },
    });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("orders the layers by dependsOn, not by file order", () => {
    expect(clusterLayers(root).map(l => l.name)).toEqual(["base", "apps"]);
  });

  it("applies a layer's targetNamespace to its namespaced objects, as kustomize-controller does", () => {
    const p = renderPlatform(root);
    const cm = platformObjects(p).find(o => o.kind === "ConfigMap");
    expect(cm?.metadata?.namespace).toBe("web");
    expect(platformObjects(p).find(o => o.kind === "Namespace")?.metadata?.namespace).toBeUndefined();
  });

  it("says which HelmReleases it cannot render offline instead of dropping them silently", () => {
    expect(renderPlatform(root).notes).toEqual([
      "HelmRelease web/remote: chart from a Helm repository, not rendered offline",
    ]);
  });

  it("keeps the entry point's own objects apart from the layers", () => {
    expect(renderPlatform(root).entry.map(o => o.metadata?.name)).toEqual(["apps", "base"]);
  });

  it("names the folder when there is no entry point", () => {
    expect(() => renderPlatform(join(root, "apps"))).toThrow(/clusters\/local does not exist/);
  });
});

describe("lib/render on this repository", () => {
  it("renders our chart's HelmReleases with the release's namespace", () => {
    const p = renderPlatform();
    const apps = p.layers.find(l => l.layer.path === "apps/releases");
    expect(apps?.chartSources.length).toBeGreaterThan(0);
    for (const o of apps?.fromCharts ?? []) if (o.kind === "Deployment") expect(o.metadata?.namespace).toBeTruthy();
    expect(p.notes).toEqual([]);
  });
});
