import { spawnSync } from "node:child_process";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { KubeApi } from "./kube-api";

/** The parts of a Pod the local kubelet reads. */
export interface Pod {
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    deletionTimestamp?: string;
    resourceVersion?: string;
  };
  spec: {
    nodeName?: string;
    serviceAccountName?: string;
    terminationGracePeriodSeconds?: number;
    securityContext?: { runAsUser?: number; runAsGroup?: number; fsGroup?: number };
    containers: Container[];
    volumes?: Volume[];
  };
  status?: { phase?: string; podIP?: string };
}

export interface Probe {
  httpGet?: { path?: string; port: number; scheme?: string };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  failureThreshold?: number;
}

export interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
  readinessProbe?: Probe;
  securityContext?: {
    runAsUser?: number;
    runAsGroup?: number;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
  };
}

interface KeyToPath {
  key: string;
  path: string;
}

interface Volume {
  name: string;
  secret?: { secretName: string; items?: KeyToPath[] };
  configMap?: { name: string; items?: KeyToPath[] };
  emptyDir?: object;
  projected?: {
    sources: {
      serviceAccountToken?: { path: string; expirationSeconds?: number; audience?: string };
      configMap?: { name: string; items?: KeyToPath[] };
      secret?: { name: string; items?: KeyToPath[] };
      downwardAPI?: { items: { path: string; fieldRef?: { fieldPath: string } }[] }[] | object;
    }[];
  };
}

type Files = Map<string, Buffer>;

function pick(data: Record<string, string> | undefined, items: KeyToPath[] | undefined, decode: boolean): Files {
  const out: Files = new Map();
  const entries = items?.length ? items.map(i => [i.path, data?.[i.key]] as const) : Object.entries(data ?? {});
  for (const [path, value] of entries)
    if (value !== undefined) out.set(path, decode ? Buffer.from(value, "base64") : Buffer.from(value));
  return out;
}

async function secretFiles(api: KubeApi, ns: string, name: string, items?: KeyToPath[]): Promise<Files> {
  const s = await api.get<{ data?: Record<string, string> }>(`/api/v1/namespaces/${ns}/secrets/${name}`);
  return pick(s.data, items, true);
}

async function configMapFiles(api: KubeApi, ns: string, name: string, items?: KeyToPath[]): Promise<Files> {
  const c = await api.get<{ data?: Record<string, string> }>(`/api/v1/namespaces/${ns}/configmaps/${name}`);
  return pick(c.data, items, false);
}

/** A token for the pod's ServiceAccount, bound to the pod, as the kubelet requests it (TokenRequest API). */
async function serviceAccountToken(api: KubeApi, pod: Pod, expirationSeconds: number, audience?: string) {
  const sa = pod.spec.serviceAccountName ?? "default";
  const r = await api.post<{ status: { token: string } }>(
    `/api/v1/namespaces/${pod.metadata.namespace}/serviceaccounts/${sa}/token`,
    {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      spec: {
        audiences: audience ? [audience] : [],
        expirationSeconds,
        boundObjectRef: { apiVersion: "v1", kind: "Pod", name: pod.metadata.name, uid: pod.metadata.uid },
      },
    },
  );
  return Buffer.from(r.status.token);
}

async function projectedFiles(api: KubeApi, pod: Pod, v: NonNullable<Volume["projected"]>): Promise<Files> {
  const ns = pod.metadata.namespace;
  const out: Files = new Map();
  for (const src of v.sources) {
    if (src.serviceAccountToken) {
      const t = src.serviceAccountToken;
      out.set(t.path, await serviceAccountToken(api, pod, t.expirationSeconds ?? 3607, t.audience));
    } else if (src.configMap) {
      for (const [k, b] of await configMapFiles(api, ns, src.configMap.name, src.configMap.items)) out.set(k, b);
    } else if (src.secret) {
      for (const [k, b] of await secretFiles(api, ns, src.secret.name, src.secret.items)) out.set(k, b);
    } else if (src.downwardAPI && "items" in src.downwardAPI) {
      const items = src.downwardAPI.items as { path: string; fieldRef?: { fieldPath: string } }[];
      for (const item of items) {
        const field = item.fieldRef?.fieldPath;
        const value = field === "metadata.namespace" ? ns : field === "metadata.name" ? pod.metadata.name : undefined;
        if (value === undefined) throw new Error(`downwardAPI field ${field} is not supported by the local kubelet`);
        out.set(item.path, Buffer.from(value));
      }
    } else {
      throw new Error(
        `a projected source of ${JSON.stringify(Object.keys(src))} is not supported by the local kubelet`,
      );
    }
  }
  return out;
}

/** The files of one volume, read from the API server the way the kubelet fills a volume. */
async function volumeFiles(api: KubeApi, pod: Pod, v: Volume): Promise<Files> {
  const ns = pod.metadata.namespace;
  if (v.secret) return secretFiles(api, ns, v.secret.secretName, v.secret.items);
  if (v.configMap) return configMapFiles(api, ns, v.configMap.name, v.configMap.items);
  if (v.projected) return projectedFiles(api, pod, v.projected);
  if (v.emptyDir) return new Map();
  throw new Error(
    `volume ${v.name} of pod ${ns}/${pod.metadata.name}: only secret, configMap, projected and emptyDir volumes are supported by the local kubelet`,
  );
}

/**
 * Writes every volume of the pod under `dir/<volume>/`, mode 0644 group `fsGroup` as the kubelet does for
 * secret volumes (defaultMode 420), each file replaced atomically. Returns the directory of each volume.
 */
export async function writeVolumes(api: KubeApi, pod: Pod, dir: string): Promise<Map<string, string>> {
  const dirs = new Map<string, string>();
  const gid = pod.spec.securityContext?.fsGroup;
  for (const v of pod.spec.volumes ?? []) {
    const vdir = join(dir, v.name);
    mkdirSync(vdir, { recursive: true, mode: 0o755 });
    for (const [path, content] of await volumeFiles(api, pod, v)) {
      const rel = normalize(path);
      if (rel.startsWith("..") || rel.startsWith("/"))
        throw new Error(`volume ${v.name}: file path ${path} leaves the volume`);
      const file = join(vdir, rel);
      mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
      writeFileSync(`${file}.tmp`, content, { mode: 0o644 });
      renameSync(`${file}.tmp`, file);
    }
    if (gid !== undefined) chownTree(vdir, gid);
    dirs.set(v.name, vdir);
  }
  return dirs;
}

function chownTree(dir: string, gid: number): void {
  // The kubelet applies fsGroup to the volume; the files are world-readable already (0644), so this only
  // matters for a program that checks its group.
  spawnSync("chgrp", ["-R", String(gid), dir]);
}
