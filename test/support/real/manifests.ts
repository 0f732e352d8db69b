/**
 * What a container gets from the tree's manifests: the configuration the real programs are started with.
 *
 *   const objects = renderApp("apps/infra/postgresql");          // kustomize build of one folder
 *   const pg = containerOf(objects, "StatefulSet", "postgresql");  // the workload's container
 *   const env = containerEnv(pg, objects, { "postgresql-credentials": { password } });
 *
 * Secrets are not in git in clear text (SOPS or generated at `bonsai up`), so tests hand in their values;
 * a reference to a Secret or key that was not handed in is an error naming the workload, the field path and
 * the fix, as is any env source we do not resolve (fieldRef and friends): nothing is silently dropped.
 */
import { join } from "node:path";
import type { KubeObject } from "../../../capabilities/k8s/object";
import { parseObjects } from "../../../lib/render";
import { kustomizeBuild } from "../../../tools/kustomize";

export const REPO_ROOT = join(__dirname, "..", "..", "..");

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    [other: string]: unknown;
  };
}

export interface Container {
  name: string;
  image: string;
  env?: EnvVar[];
  ports?: { name?: string; containerPort: number }[];
  args?: string[];
  command?: string[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
  [field: string]: unknown;
}

export interface Workload {
  kind: string;
  name: string;
  namespace: string;
  container: Container;
  object: KubeObject;
}

/** Secret values by Secret name, then key (what `kubectl create secret generic` would hold). */
export type SecretValues = Record<string, Record<string, string>>;

const cache = new Map<string, KubeObject[]>();

/** `kustomize build` of one folder of the tree (relative to the repository root), parsed; cached per folder. */
export function renderApp(folder: string): KubeObject[] {
  const hit = cache.get(folder);
  if (hit) return hit;
  const objects = parseObjects(kustomizeBuild(join(REPO_ROOT, folder)), `${folder} (kustomize)`);
  cache.set(folder, objects);
  return objects;
}

export function findObject(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find(o => o.kind === kind && o.metadata?.name === name);
  if (!found) throw new Error(`${kind} ${name} is not among the rendered objects`);
  return found;
}

/** The workload's container named `containerName` (default: its first). */
export function containerOf(objects: KubeObject[], kind: string, name: string, containerName?: string): Workload {
  const object = findObject(objects, kind, name);
  const spec = (object.spec as { template?: { spec?: { containers?: Container[] } } } | undefined)?.template?.spec;
  const containers = spec?.containers ?? [];
  const container = containerName ? containers.find(c => c.name === containerName) : containers[0];
  if (!container) throw new Error(`${kind} ${name}: no container ${containerName ?? "at all"} in spec.template.spec`);
  return { kind, name, namespace: String(object.metadata?.namespace ?? "default"), container, object };
}

/** The container's environment with every reference resolved; throws naming the field path when one cannot be. */
export function containerEnv(w: Workload, objects: KubeObject[], secrets: SecretValues = {}): Record<string, string> {
  const out: Record<string, string> = {};
  (w.container.env ?? []).forEach((e, i) => {
    const path = `${w.kind}/${w.name} spec.template.spec.containers[${w.container.name}].env[${i}] (${e.name})`;
    if (e.value !== undefined) {
      out[e.name] = expandDependent(String(e.value), out);
      return;
    }
    const from = e.valueFrom ?? {};
    if (from.secretKeyRef) {
      const { name, key, optional } = from.secretKeyRef;
      const value = secrets[name]?.[key];
      if (value === undefined && !optional)
        throw new Error(`${path}: Secret ${w.namespace}/${name} key ${key} was not provided; create it first`);
      if (value !== undefined) out[e.name] = value;
      return;
    }
    if (from.configMapKeyRef) {
      const { name, key, optional } = from.configMapKeyRef;
      const cm = objects.find(o => o.kind === "ConfigMap" && o.metadata?.name === name);
      const value = (cm?.data as Record<string, string> | undefined)?.[key];
      if (value === undefined && !optional)
        throw new Error(`${path}: ConfigMap ${w.namespace}/${name} key ${key} is not in the rendered tree`);
      if (value !== undefined) out[e.name] = value;
      return;
    }
    throw new Error(`${path}: this harness resolves value, secretKeyRef and configMapKeyRef only`);
  });
  return out;
}

/** Kubernetes' $(VAR) expansion of earlier variables (no regex: a linear scan). */
function expandDependent(value: string, env: Record<string, string>): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    if (value[i] === "$" && value[i + 1] === "(") {
      const end = value.indexOf(")", i + 2);
      const name = end > 0 ? value.slice(i + 2, end) : "";
      if (end > 0 && name in env) {
        out += env[name];
        i = end;
        continue;
      }
    }
    out += value[i];
  }
  return out;
}

/** The version part of an image reference (`postgres:17.6` -> `17.6`). */
export function imageTag(image: string): string {
  const at = image.lastIndexOf(":");
  if (at < 0 || image.slice(at).includes("/")) throw new Error(`image ${image} has no tag`);
  return image.slice(at + 1).split("@")[0];
}

/** The mount path of a volume of the container, or undefined. */
export function mountPathOf(w: Workload, volume: string): string | undefined {
  return w.container.volumeMounts?.find(m => m.name === volume)?.mountPath;
}

/**
 * The content of `containerPath` when a ConfigMap volume of the pod provides it (a key of the ConfigMap under
 * the mount path, or its `items` path); undefined when no ConfigMap volume covers that path.
 */
export function configMapFile(w: Workload, objects: KubeObject[], containerPath: string): string | undefined {
  const volumes = ((w.object.spec as { template?: { spec?: { volumes?: PodVolume[] } } })?.template?.spec?.volumes ??
    []) as PodVolume[];
  for (const m of w.container.volumeMounts ?? []) {
    const prefix = m.mountPath.replace(/\/$/, "") + "/";
    if (!containerPath.startsWith(prefix)) continue;
    const cmName = volumes.find(v => v.name === m.name)?.configMap?.name;
    if (!cmName) continue;
    const cm = findObject(objects, "ConfigMap", cmName);
    const rel = containerPath.slice(prefix.length);
    const items = volumes.find(v => v.name === m.name)?.configMap?.items;
    const key = items ? items.find(i => i.path === rel)?.key : rel;
    return key === undefined ? undefined : (cm.data as Record<string, string> | undefined)?.[key];
  }
  return undefined;
}

interface PodVolume {
  name: string;
  configMap?: { name: string; items?: { key: string; path: string }[] };
}
