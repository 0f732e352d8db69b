import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { ControlPlane } from "../../tools/controlplane/controlplane";
import { fluxCrdFiles } from "../../tools/flux-crds";
import { kustomizeBuild } from "../../tools/kustomize";
import type { KubeObject } from "../../capabilities/k8s/object";
import { SETUP_TIMEOUT_MS } from "../e2e/cluster";
import { parse, renderedPlatform, REPO } from "./rendered";

// Every rendered object is valid for Kubernetes 1.35 and the Flux CRDs: a server-side dry-run against a
// real kube-apiserver v1.35.4 (strict field validation: an unknown or misplaced field is an error).
let cp: ControlPlane;

beforeAll(async () => {
  cp = await ControlPlane.start({ stateDir: mkdtempSync(join(tmpdir(), "bonsai-validate-")), kwok: false });
  for (const file of fluxCrdFiles()) expect(cp.kubectl(["apply", "--server-side", "-f", file]).stderr).toBe("");
  expect(cp.kubectl(["apply", "-k", join(REPO, "apps", "crds")]).code).toBe(0);
  expect(cp.kubectl(["wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"]).code).toBe(0);
  // Namespaces must exist for namespaced dry-runs: create the platform's for real first.
  for (const ns of renderedPlatform().filter(o => o.kind === "Namespace")) {
    expect(cp.kubectl(["apply", "-f", "-"], stringify(ns)).code).toBe(0);
  }
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await cp?.stop();
});

const zookeeperVariant = () => parse(kustomizeBuild(join(REPO, "apps/infra/kafka-zookeeper")));

function dryRun(objects: KubeObject[]): string[] {
  const errors: string[] = [];
  for (const o of objects) {
    const r = cp.kubectl(["apply", "--dry-run=server", "--validate=strict", "-f", "-"], stringify(o));
    if (r.code !== 0 || r.stderr.includes("Warning"))
      errors.push(`${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name}: ${r.stderr.trim()}`);
  }
  return errors;
}

describe("the rendered platform on a real kube-apiserver v1.35", () => {
  it("is accepted object by object (server-side dry-run, strict validation)", () => {
    const objects = renderedPlatform();
    expect(objects.length).toBeGreaterThan(60);
    expect(dryRun(objects)).toEqual([]);
  });

  it("accepts the ZooKeeper variant as well", () => {
    expect(dryRun(zookeeperVariant())).toEqual([]);
  });

  it("would reject a misplaced field (control)", () => {
    const bad = structuredClone(renderedPlatform().find(o => o.kind === "Deployment")!);
    (bad.spec as any).template.spec.containers[0].securityContext.add = ["NET_BIND_SERVICE"];
    expect(dryRun([bad]).join("\n")).toContain("securityContext.add");
  });
});
