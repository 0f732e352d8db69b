import type { KubeObject } from "../../capabilities/k8s/object";

/** A Pod that satisfies restricted and the platform's hardening rules; tests break one field at a time. */
export function compliantPod(name = "ok"): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "shop" },
    spec: {
      automountServiceAccountToken: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: 1000,
        fsGroup: 1000,
        seccompProfile: { type: "RuntimeDefault" },
      },
      initContainers: [
        { name: "init", image: "busybox:1.37", securityContext: hardenedContainerSC(), resources: resources() },
      ],
      containers: [
        {
          name: "app",
          image: "nginx:1.27",
          securityContext: hardenedContainerSC(),
          resources: resources(),
          livenessProbe: { httpGet: { path: "/", port: 8080 } },
        },
      ],
      volumes: [{ name: "tmp", emptyDir: { sizeLimit: "16Mi" } }],
    },
  };
}

export function resources() {
  return {
    requests: { cpu: "100m", memory: "64Mi", "ephemeral-storage": "16Mi" },
    limits: { cpu: "200m", memory: "128Mi", "ephemeral-storage": "64Mi" },
  };
}

export function hardenedContainerSC() {
  return { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true };
}

/**
 * What the mutation gives a Pod that sets none of it (docs/guardrails.md, README): the pod's
 * securityContext, and every container's and init container's. Tests of the mutation expect exactly this back.
 */
export function expectSecureDefaults(spec: {
  securityContext?: unknown;
  containers?: unknown[];
  initContainers?: unknown[];
}) {
  expect(spec.securityContext).toEqual({
    runAsNonRoot: true,
    runAsUser: 1000,
    fsGroup: 1000,
    seccompProfile: { type: "RuntimeDefault" },
  });
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])])
    expect((c as { securityContext?: unknown }).securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      readOnlyRootFilesystem: true,
    });
}

/** Wraps a pod's spec in the template of another kind, as the API would carry it. */
export function asWorkload(kind: string, pod: KubeObject): KubeObject {
  const template = { metadata: { labels: { app: "x" } }, spec: pod.spec };
  const meta = { name: "w", namespace: "shop" };
  switch (kind) {
    case "CronJob":
      return {
        apiVersion: "batch/v1",
        kind,
        metadata: meta,
        spec: { schedule: "* * * * *", jobTemplate: { spec: { template } } },
      };
    case "Job":
      return { apiVersion: "batch/v1", kind, metadata: meta, spec: { template } };
    default:
      return { apiVersion: "apps/v1", kind, metadata: meta, spec: { selector: {}, template } };
  }
}

/** Deep-edits a copy: `edit` receives the copy's spec. */
export function withSpec(pod: KubeObject, edit: (spec: Record<string, any>) => void): KubeObject {
  const copy = structuredClone(pod);
  edit(copy.spec as Record<string, any>);
  return copy;
}

/** An admission-like context: restricted, after mutation, with the given LimitRanges and Exemptions. */
export { contextFromObjects } from "../../capabilities/engine/context";
