// The images the HelmReleases deploy: built from our Dockerfiles, pushed to the registry k3d creates, run by
// the numeric users the chart declares, with nothing writable but the chart's emptyDirs. (The images are built
// for real by `bonsai up` on the Mac; here the Dockerfiles and the tree are checked against each other.)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { LOCAL_REGISTRY, localAppImages } from "../../cli/up/app-images";
import { platformObjects, renderPlatform, REPO_ROOT } from "../../lib/render";
import { podTemplateOf } from "../../capabilities/k8s/pod-template";

const objects = platformObjects(renderPlatform(REPO_ROOT));
const images = localAppImages(REPO_ROOT, objects);
const dockerfile = (app: string) => readFileSync(join(REPO_ROOT, "reference-apps", app, "Dockerfile"), "utf8");
const podOf = (name: string) => {
  const d = objects.find(o => o.kind === "Deployment" && o.metadata?.name === name)!;
  return podTemplateOf(d)!.spec as any;
};

describe("the reference apps' images", () => {
  it("are the backend and frontend, each built from its own Dockerfile", () => {
    expect(images.map(i => [i.app, i.dockerfile])).toEqual([
      ["backend", "reference-apps/backend/Dockerfile"],
      ["frontend", "reference-apps/frontend/Dockerfile"],
    ]);
  });

  it("live in the registry clusters/local/k3d.yaml creates, which the node pulls through a mirror of the same name", () => {
    const k3d = load(readFileSync(join(REPO_ROOT, "clusters/local/k3d.yaml"), "utf8")) as any;
    const { name, host, hostPort } = k3d.registries.create;
    expect(`localhost:${hostPort}`).toBe(LOCAL_REGISTRY);
    expect(host).toBe("127.0.0.1");
    const mirrors = (load(k3d.registries.config) as any).mirrors;
    expect(mirrors[LOCAL_REGISTRY].endpoint).toEqual([`http://k3d-${name}:5000`]);
    for (const i of images) expect(i.image.startsWith(`${LOCAL_REGISTRY}/`)).toBe(true);
  });

  it.each(["backend", "frontend"])("%s: multi-stage, a numeric non-root USER equal to the chart's runAsUser", app => {
    const text = dockerfile(app);
    expect(text.match(/^FROM /gm)!.length).toBeGreaterThanOrEqual(2);
    const users = [...text.matchAll(/^USER ([0-9]+):([0-9]+)$/gm)];
    expect(users).toHaveLength(1);
    const pod = podOf(app);
    expect(Number(users[0][1])).toBe(pod.securityContext.runAsUser);
    expect(Number(users[0][2])).toBe(pod.securityContext.runAsGroup);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    // A public base on the Mac, a local one where no registry is reachable.
    expect(text).toMatch(/^ARG NODE_IMAGE=node:20\.[0-9]+-bookworm-slim$/m);
  });

  it.each(["backend", "frontend"])("%s: no secret in any layer (no ENV/ARG/COPY of credentials)", app => {
    for (const line of dockerfile(app)
      .split("\n")
      .filter(l => /^(ENV|ARG|COPY|ADD) /.test(l)))
      expect(line).not.toMatch(/PASSWORD|SECRET|TOKEN|\.env|id_rsa|npmrc/i);
    const ignore = readFileSync(join(REPO_ROOT, ".dockerignore"), "utf8");
    for (const kept of ["**/node_modules", ".git", "**/.env*", ".bonsai"]) expect(ignore.split("\n")).toContain(kept);
  });

  it("the frontend's writable paths are the chart's emptyDirs, under the image's WORKDIR", () => {
    const text = dockerfile("frontend");
    const workdir = [...text.matchAll(/^WORKDIR (.+)$/gm)].pop()![1];
    const mounts = podOf("frontend").containers[0].volumeMounts.map((m: any) => m.mountPath);
    expect(mounts).toEqual(["/tmp", `${workdir}/.next/cache`]);
    expect(podOf("backend").containers[0].volumeMounts.map((m: any) => m.mountPath)).toEqual(["/tmp"]);
    for (const app of ["backend", "frontend"])
      expect(podOf(app).containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
  });
});
