import type { V1Capabilities, V1PodSecurityContext, V1SecurityContext } from "@kubernetes/client-node";
import { isRecord, isSet, list, record } from "../../k8s/object";
import { containersOf, isWindowsPod } from "../../k8s/containers";
import { podTemplateOf } from "../../k8s/pod-template";
import type { KubeObject } from "../../k8s/object";

/** The platform's safe defaults (seed: "Pod Security"), applied only where a field is missing. */
export const SECURE_DEFAULTS = {
  runAsNonRoot: true,
  runAsUser: 1000,
  fsGroup: 1000,
  seccompProfileType: "RuntimeDefault",
  allowPrivilegeEscalation: false,
  dropCapabilities: ["ALL"],
  readOnlyRootFilesystem: true,
} as const;

/** One field the mutation filled in: where, and with what. */
export interface Change {
  path: string;
  value: unknown;
}

/**
 * Fills the missing security fields of the object's pod template in place and returns what it set.
 * Never overwrites a value that is present (even one that is wrong: validation reports those), and
 * never writes a field the API server would refuse for the pod (Linux-only fields on Windows pods,
 * allowPrivilegeEscalation=false on a privileged or CAP_SYS_ADMIN container).
 */
export function applySecureDefaults(obj: KubeObject): Change[] {
  const pod = podTemplateOf(obj);
  if (!pod) return [];
  // podTemplateOf returns detached empty objects for a missing template: only mutate a real one.
  const root = pod.prefix ? locate(obj, pod.prefix) : obj;
  if (!root || !isRecord(root.spec)) return [];
  const spec = root.spec as unknown as typeof pod.spec;
  const changes: Change[] = [];
  const set = <T extends object>(target: T, field: keyof T & string, value: unknown, path: string) => {
    if (isSet(target[field])) return;
    (target as Record<string, unknown>)[field] = value;
    changes.push({ path: `${path}.${field}`, value });
  };
  const ensure = <T extends object>(parent: object, field: string, path: string): T | undefined => {
    const current = (parent as Record<string, unknown>)[field];
    if (isRecord(current)) return current as T;
    if (isSet(current)) return undefined; // malformed: leave it for validation and the API server to report
    const created = {} as T;
    (parent as Record<string, unknown>)[field] = created;
    changes.push({ path: `${path}.${field}`, value: {} });
    return created;
  };

  const windows = isWindowsPod(spec);
  const podPath = `${pod.prefix}spec`;
  const podSC = ensure<V1PodSecurityContext>(spec, "securityContext", podPath);
  if (podSC) {
    const scPath = `${podPath}.securityContext`;
    set(podSC, "runAsNonRoot", SECURE_DEFAULTS.runAsNonRoot, scPath);
    if (!windows) {
      set(podSC, "runAsUser", SECURE_DEFAULTS.runAsUser, scPath);
      set(podSC, "fsGroup", SECURE_DEFAULTS.fsGroup, scPath);
      set(podSC, "seccompProfile", { type: SECURE_DEFAULTS.seccompProfileType }, scPath);
    }
  }
  if (windows) return prune(changes);

  for (const c of containersOf(spec, pod.prefix)) {
    const sc = ensure<V1SecurityContext>(c.container, "securityContext", c.path);
    if (!sc) continue;
    const scPath = `${c.path}.securityContext`;
    const caps = record<V1Capabilities>(sc.capabilities);
    const escalates =
      sc.privileged === true || list(caps?.add).some(cap => cap === "SYS_ADMIN" || cap === "CAP_SYS_ADMIN");
    if (!escalates) set(sc, "allowPrivilegeEscalation", SECURE_DEFAULTS.allowPrivilegeEscalation, scPath);
    const capabilities = ensure<V1Capabilities>(sc, "capabilities", scPath);
    if (capabilities) set(capabilities, "drop", [...SECURE_DEFAULTS.dropCapabilities], `${scPath}.capabilities`);
    set(sc, "readOnlyRootFilesystem", SECURE_DEFAULTS.readOnlyRootFilesystem, scPath);
  }
  return prune(changes);
}

/**
 * An intermediate `{}` that was later filled in is reported through its fields, not on its own. Linear in
 * the number of changes (a pairwise comparison took 25 s for a pod with 5,000 containers).
 */
function prune(changes: Change[]): Change[] {
  const parents = new Set<string>();
  for (const { path } of changes) {
    for (let dot = path.indexOf("."); dot !== -1; dot = path.indexOf(".", dot + 1)) parents.add(path.slice(0, dot));
  }
  return changes.filter(
    change => !(isRecord(change.value) && Object.keys(change.value).length === 0 && parents.has(change.path)),
  );
}

function locate(obj: KubeObject, prefix: string): Record<string, unknown> | undefined {
  let node: Record<string, unknown> | undefined = obj as Record<string, unknown>;
  for (const field of prefix.replace(/\.$/, "").split(".")) node = record(node?.[field]);
  return node;
}

function copyContainer(c: Record<string, unknown>): Record<string, unknown> {
  const sc = record(c.securityContext);
  if (!sc) return { ...c };
  const caps = record(sc.capabilities);
  return { ...c, securityContext: caps ? { ...sc, capabilities: { ...caps } } : { ...sc } };
}

/**
 * The object as the cluster would admit it, without touching `obj`: only what applySecureDefaults can write
 * (the path to the pod spec, the pod's and each container's securityContext) is copied; env, volumes,
 * annotations and the rest are shared. A whole-object structuredClone cost 90% of the validation of a
 * 27 KB pod (BENCHMARKS.md).
 */
export function withSecureDefaults(obj: KubeObject): KubeObject {
  const pod = podTemplateOf(obj);
  if (!pod || pod.missing) return obj;
  const root: Record<string, unknown> = { ...obj };
  let parent = root;
  for (const field of pod.prefix.split(".").filter(Boolean)) {
    const child = { ...(record(parent[field]) ?? {}) };
    parent[field] = child;
    parent = child;
  }
  const spec: Record<string, unknown> = { ...(record(parent.spec) ?? {}) };
  parent.spec = spec;
  const podSC = record(spec.securityContext);
  if (podSC) spec.securityContext = { ...podSC };
  for (const field of ["initContainers", "containers", "ephemeralContainers"]) {
    if (Array.isArray(spec[field]))
      spec[field] = (spec[field] as unknown[]).map(c => (isRecord(c) ? copyContainer(c) : c));
  }
  const copy = root as KubeObject;
  applySecureDefaults(copy);
  return copy;
}
