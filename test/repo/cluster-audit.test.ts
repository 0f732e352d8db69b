import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { KubeObject } from "../../capabilities/k8s/object";
import { platformObjects, renderPlatform } from "../../lib/render";
import { auditCli } from "./audit-cli";
import { REPO } from "./rendered";

// `bonsai audit clusters/<cluster>`: the entry folder holds only the Flux Kustomizations of the layers, so the audit
// follows them — every layer's spec.path rendered as Flux applies it, HelmReleases of our chart included — and
// judges what the cluster would get from git, with no exemption beyond the tree's own.
const key = (kind: string, ns: string | undefined, name: string | undefined) => `${kind} ${ns ?? ""}/${name}`;

describe.each([
  ["local", ["service-type loadbalancer ingress-nginx/ingress-nginx-controller ingress-loadbalancer"]],
  [
    "multi-node",
    [
      "network-flows egress-destinations infra/allow-cnpg-to-api-server multi-node-cloudnative-pg-flows",
      "network-flows ingress-sources infra/allow-from-cnpg-operator multi-node-cloudnative-pg-flows",
      "service-type loadbalancer ingress-nginx/ingress-nginx-controller ingress-loadbalancer",
    ],
  ],
])("bonsai audit clusters/%s", (cluster, exemptions) => {
  const r = auditCli([`clusters/${cluster}`]);
  const judged = new Set(r.results.map(x => key(x.resources[0].kind, x.resources[0].namespace, x.resources[0].name)));

  it("exits 0 with no fail or error", () => {
    const bad = r.results.filter(x => x.result === "fail" || x.result === "error");
    expect(bad.map(x => `${x.resources[0].kind} ${x.resources[0].name}: ${x.message}`)).toEqual([]);
    expect([r.status, r.stderr]).toEqual([0, ""]);
  });

  it("judges every object of every layer, and what the layers' HelmReleases install", () => {
    const p = renderPlatform(REPO, cluster);
    const missing = platformObjects(p)
      .map((o: KubeObject) => key(String(o.kind), o.metadata?.namespace, o.metadata?.name))
      .filter(k => !judged.has(k));
    expect(missing).toEqual([]);
    expect(judged).toContain("Deployment frontend/frontend");
    expect(p.layers.length).toBeGreaterThan(8);
  });

  it("skips only what the tree's own Exemptions cover", () => {
    const exempted = new Set(
      r.results
        .filter(x => x.properties?.exemption)
        .map(x =>
          [x.policy, x.rule, `${x.resources[0].namespace}/${x.resources[0].name}`, x.properties!.exemption].join(" "),
        ),
    );
    expect([...exempted].sort()).toEqual(exemptions);
  });
});

describe("an entry folder whose layer path is missing", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "bonsai-entry-"));
    cpSync(join(REPO, "clusters", "local", "layer-crds.yaml"), join(dir, "layer-crds.yaml"));
    writeFileSync(
      join(dir, "layer-gone.yaml"),
      "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: gone, namespace: flux-system}\n" +
        "spec: {path: ./clusters/nowhere, interval: 10m, prune: true, sourceRef: {kind: GitRepository, name: flux-system}}\n",
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is refused with exit 2, naming the Kustomization and its spec.path", () => {
    const a = spawnSync(process.execPath, [join(REPO, "bin", "bonsai.js"), "audit", dir], { encoding: "utf8" });
    expect(a.status).toBe(2);
    expect(a.stderr).toContain("Flux Kustomization");
    expect(a.stderr).toContain("Flux Kustomization gone: spec.path clusters/nowhere is not a folder");
  });
});
