/**
 * The reference apps on k3d: their images built from reference-apps/<app>/Dockerfile and pushed to the
 * cluster's own registry (clusters/local/k3d.yaml `registries.create`), under exactly the names the
 * HelmReleases in git deploy, so what runs is what the tree says. And the backend's database password made equal
 * to the one PostgreSQL and PgBouncer use, when both are `bonsai up`'s random stand-ins.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { KubeObject } from "../../capabilities/k8s/object";
import { podTemplateOf } from "../../capabilities/k8s/pod-template";
import type { Kubectl } from "./apply-layers";

/** Where `docker push` reaches the k3d registry from the host; the node pulls the same name (a k3d mirror). */
export const LOCAL_REGISTRY = "localhost:5111";

export interface AppImage {
  app: string;
  dockerfile: string;
  image: string;
}

/** The images of our workloads that live in the local registry, with the Dockerfile that builds each. */
export function localAppImages(repoRoot: string, objects: KubeObject[]): AppImage[] {
  const images = new Map<string, AppImage>();
  for (const obj of objects) {
    const pod = podTemplateOf(obj);
    if (!pod || pod.missing) continue;
    for (const c of (pod.spec.containers ?? []) as { image?: unknown }[]) {
      const image = typeof c.image === "string" ? c.image : "";
      const m = /^localhost:5111\/bonsai\/([a-z0-9-]{1,63}):[A-Za-z0-9._-]{1,128}$/.exec(image);
      if (!m) continue;
      const dockerfile = join("reference-apps", m[1], "Dockerfile");
      if (!existsSync(join(repoRoot, dockerfile)))
        throw new Error(
          `${obj.kind} ${obj.metadata?.namespace}/${obj.metadata?.name}: image ${image} has no ${dockerfile} to build it from`,
        );
      images.set(image, { app: m[1], dockerfile, image });
    }
  }
  return [...images.values()].sort((a, b) => (a.image < b.image ? -1 : 1));
}

/** docker build + docker push of each image (Docker's layer cache makes a rerun cheap). */
export function buildAndPush(run: (cmd: string, args: string[]) => void, images: AppImage[]): void {
  for (const i of images) {
    run("docker", ["build", "--file", i.dockerfile, "--tag", i.image, "."]);
    run("docker", ["push", i.image]);
  }
}

interface SecretObject {
  data?: Record<string, string>;
  metadata?: { labels?: Record<string, string> };
}

/** A Secret made by `bonsai up` (label managed-by=bonsai-up), or undefined. Its values are never printed. */
function standIn(kubectl: Kubectl, namespace: string, name: string): SecretObject | undefined {
  const r = kubectl(["get", "secret", name, "-n", namespace, "-o", "json"]);
  if (r.code !== 0) return undefined;
  const s = JSON.parse(r.stdout) as SecretObject;
  return s.metadata?.labels?.["app.kubernetes.io/managed-by"] === "bonsai-up" ? s : undefined;
}

/**
 * backend/backend-database must hold infra/postgresql-credentials' password (PgBouncer authenticates the app as
 * the same user). Both random stand-ins are made independently, so the backend's is replaced by the infra one;
 * a Secret someone made (SOPS through Flux, or by hand) is never touched. Returns what it did, for the notes.
 */
export function alignDatabaseSecret(kubectl: Kubectl): string | undefined {
  const from = { namespace: "infra", name: "postgresql-credentials" };
  const to = { namespace: "backend", name: "backend-database" };
  const source = standIn(kubectl, from.namespace, from.name);
  const target = standIn(kubectl, to.namespace, to.name);
  const password = source?.data?.password;
  if (!source || !target || password === undefined || target.data?.password === password) return undefined;
  // The whole object on stdin (with its resourceVersion: a concurrent change fails instead of being lost),
  // never the value on a command line.
  const r = kubectl(["replace", "-f", "-"], JSON.stringify({ ...target, data: { ...target.data, password } }));
  if (r.code !== 0) throw new Error(`updating Secret ${to.namespace}/${to.name}: ${r.stderr}`);
  return `${to.namespace}/${to.name} holds the same stand-in password as ${from.namespace}/${from.name}`;
}
