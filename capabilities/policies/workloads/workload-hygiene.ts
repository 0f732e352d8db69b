import type { V1Container, V1PodSpec, V1Volume } from "@kubernetes/client-node";
import { KubeObject, list, record } from "../../k8s/object";
import { Policy, verdicts } from "../../engine/policy";
import { resourceRef } from "../../engine/result";
import { containersOf } from "../../k8s/containers";
import { podTemplateOf, POD_CARRYING_KINDS } from "../../k8s/pod-template";

/**
 * Habits that keep one workload from hurting the others or the node: no API token where nothing calls the
 * API, probes that restart a hung process, bounded scratch disk (a full node disk evicts every pod), and
 * StatefulSets whose pods get their DNS names from a headless Service. Warn by default (its mode below).
 */
const RUN_TO_COMPLETION = ["Job", "CronJob"];
/** A liveness probe that waits this long is standing in for a startup probe. */
const SLOW_START_SECONDS = 30;

interface Failure {
  rule: string;
  severity: "low" | "medium";
  fields: string[];
  message: string;
}

function tokenFailure(spec: V1PodSpec, prefix: string): Failure | undefined {
  const path = `${prefix}spec.automountServiceAccountToken`;
  const sa = spec.serviceAccountName || "default";
  if (spec.automountServiceAccountToken === false) return undefined;
  if (spec.automountServiceAccountToken === true && sa !== "default") return undefined;
  const found =
    spec.automountServiceAccountToken === true ? "true for the default ServiceAccount" : "unset (a token is mounted)";
  return {
    rule: "automount-service-account-token",
    severity: "medium",
    fields: [path],
    message: `${path} is ${found}; allowed: false, or true with a dedicated ServiceAccount for a workload that calls the API`,
  };
}

function probeFailures(containers: { container: V1Container; path: string; name: string }[]): Failure[] {
  const out: Failure[] = [];
  for (const c of containers) {
    const liveness = record(c.container.livenessProbe);
    if (!liveness) {
      out.push({
        rule: "liveness-probe",
        severity: "medium",
        fields: [`${c.path}.livenessProbe`],
        message: `${c.path}.livenessProbe (container "${c.name}") is unset; allowed: a probe that fails when the process hangs (add a startupProbe if it starts slowly)`,
      });
    } else if (Number(liveness.initialDelaySeconds ?? 0) >= SLOW_START_SECONDS && !record(c.container.startupProbe)) {
      out.push({
        rule: "startup-probe",
        severity: "low",
        fields: [`${c.path}.livenessProbe.initialDelaySeconds`],
        message: `${c.path}.livenessProbe.initialDelaySeconds (container "${c.name}") is ${String(liveness.initialDelaySeconds)} and ${c.path}.startupProbe is unset; allowed: a startupProbe that covers the slow start, liveness without a long delay`,
      });
    }
  }
  return out;
}

function storageFailures(
  spec: V1PodSpec,
  containers: { container: V1Container; path: string; name: string }[],
  prefix: string,
): Failure[] {
  const missing: string[] = [];
  for (const c of containers) {
    const res = record(c.container.resources);
    for (const kind of ["requests", "limits"])
      if (record(res?.[kind])?.["ephemeral-storage"] === undefined)
        missing.push(`${c.path}.resources.${kind}.ephemeral-storage (container "${c.name}")`);
  }
  const out: Failure[] = [];
  if (missing.length)
    out.push({
      rule: "ephemeral-storage",
      severity: "medium",
      fields: missing.map(m => m.split(" ")[0]),
      message: `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} unset; allowed: an ephemeral-storage request and limit on every container (a full node disk evicts every pod)`,
    });
  list<V1Volume>(spec.volumes).forEach((v, i) => {
    const emptyDir = record(record(v)?.emptyDir);
    if (emptyDir && emptyDir.sizeLimit === undefined)
      out.push({
        rule: "emptydir-size-limit",
        severity: "medium",
        fields: [`${prefix}spec.volumes[${i}].emptyDir.sizeLimit`],
        message: `${prefix}spec.volumes[${i}].emptyDir.sizeLimit (volume "${String(v.name)}") is unset; allowed: a sizeLimit, e.g. 64Mi`,
      });
  });
  return out;
}

function headlessFailure(
  obj: KubeObject,
  lookup: ((kind: string, ns: string, name: string) => KubeObject | undefined) | undefined,
): Failure | undefined {
  if (obj.kind !== "StatefulSet") return undefined;
  const name = record(obj.spec)?.serviceName;
  const ns = String(obj.metadata?.namespace ?? "default");
  const fail = (found: string): Failure => ({
    rule: "headless-service-name",
    severity: "medium",
    fields: ["spec.serviceName"],
    message: `spec.serviceName is ${found}; allowed: the name of a headless Service (clusterIP: None) in ${ns}, which gives the pods their stable DNS names`,
  });
  if (typeof name !== "string" || !name) return fail("unset");
  const svc = lookup?.("Service", ns, name);
  if (lookup && !svc) return fail(`"${name}", which is not a Service in ${ns}`);
  if (svc && record(svc.spec)?.clusterIP !== "None")
    return fail(`"${name}", whose clusterIP is ${JSON.stringify(record(svc.spec)?.clusterIP ?? "unset")}, not None`);
  return undefined;
}

export const workloadHygiene: Policy = {
  name: "workload-hygiene",
  category: "Workload Hygiene",
  description:
    "No API token unless the workload calls the API; liveness (and startup) probes; ephemeral-storage requests and limits; emptyDir sizeLimit; headless serviceName for StatefulSets",
  // New checks start as warnings (the users' repositories have not been through them yet).
  mode: "warn",
  kinds: POD_CARRYING_KINDS,
  rules: [
    {
      id: "automount-service-account-token",
      title: "Pods mount no API token unless a dedicated ServiceAccount calls the API",
      severity: "medium",
    },
    { id: "liveness-probe", title: "Long-running containers have a liveness probe", severity: "medium" },
    { id: "startup-probe", title: "A slow start is a startup probe, not a long liveness delay", severity: "low" },
    { id: "ephemeral-storage", title: "Containers request and limit ephemeral-storage", severity: "medium" },
    { id: "emptydir-size-limit", title: "Every emptyDir has a sizeLimit", severity: "medium" },
    { id: "headless-service-name", title: "A StatefulSet's serviceName is a headless Service", severity: "medium" },
  ],
  evaluate: (obj: KubeObject, ctx) => {
    const pod = podTemplateOf(obj);
    if (!pod || pod.missing) return [];
    // Ephemeral containers can declare neither probes nor resources.
    const all = containersOf(pod.spec, pod.prefix).filter(c => !c.path.includes("ephemeralContainers"));
    const regular = all.filter(c => c.path.includes(".containers["));
    const completes =
      RUN_TO_COMPLETION.includes(String(obj.kind)) || ["Never", "OnFailure"].includes(String(pod.spec.restartPolicy));
    const failures = [
      tokenFailure(pod.spec, pod.prefix),
      ...(completes ? [] : probeFailures(regular)),
      ...storageFailures(pod.spec, all, pod.prefix),
      headlessFailure(obj, ctx.lookup),
    ].filter((f): f is Failure => f !== undefined);
    return verdicts(
      workloadHygiene,
      resourceRef(obj),
      failures,
      "token, probes, scratch storage and service name in order",
    );
  },
};
