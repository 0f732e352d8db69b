import type { KubeObject } from "../../capabilities/k8s/object";

/**
 * Synthetic but realistic Kubernetes objects for the benchmarks: the shapes the admission benchmark
 * sends and the mix the audit benchmark generates. Deterministic (no randomness): every run sends the
 * same bytes.
 */

export const BENCH_NAMESPACE = "backend"; // an app namespace: every policy applies, LimitRange defaults included

const hardenedSC = () => ({
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  readOnlyRootFilesystem: true,
});

const podSC = () => ({
  runAsNonRoot: true,
  runAsUser: 1000,
  fsGroup: 1000,
  seccompProfile: { type: "RuntimeDefault" },
});

const resources = () => ({ requests: { cpu: "100m", memory: "64Mi" }, limits: { cpu: "200m", memory: "128Mi" } });

const meta = (name: string, namespace: string, labels: Record<string, string> = { app: name }) => ({
  name,
  namespace,
  labels,
});

/** What a user writes: one container, a tag, nothing else. The mutation fills the security fields. */
export function barePod(name = "bare", namespace = BENCH_NAMESPACE): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: meta(name, namespace),
    spec: { containers: [{ name: "app", image: "nginx:1.27.3" }] },
  };
}

/** Passes every policy as written. */
export function compliantPod(name = "compliant", namespace = BENCH_NAMESPACE): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: meta(name, namespace),
    spec: {
      securityContext: podSC(),
      containers: [
        {
          name: "app",
          image: "ghcr.io/bonsai/backend:1.4.2",
          ports: [{ containerPort: 8080, name: "http" }],
          securityContext: hardenedSC(),
          resources: resources(),
          readinessProbe: { httpGet: { path: "/healthz", port: 8080 } },
          volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
        },
      ],
      volumes: [{ name: "tmp", emptyDir: {} }],
    },
  };
}

/** Violates many rules at once (privileged, host namespaces, hostPath, root, latest): denied. */
export function privilegedPod(name = "privileged", namespace = BENCH_NAMESPACE): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: meta(name, namespace),
    spec: {
      hostNetwork: true,
      hostPID: true,
      securityContext: { runAsUser: 0 },
      containers: [
        {
          name: "app",
          image: "busybox:latest",
          securityContext: { privileged: true, runAsUser: 0, capabilities: { add: ["SYS_ADMIN", "NET_ADMIN"] } },
          ports: [{ containerPort: 80, hostPort: 80 }],
          volumeMounts: [{ name: "root", mountPath: "/host" }],
        },
      ],
      volumes: [{ name: "root", hostPath: { path: "/" } }],
    },
  };
}

/** A big, compliant pod: 2 init containers, 8 containers with env, probes and mounts (about 25 KB of JSON). */
export function largePod(name = "large", namespace = BENCH_NAMESPACE, containers = 8): KubeObject {
  const env = (c: number) =>
    Array.from({ length: 30 }, (_, i) => ({ name: `SETTING_${c}_${i}`, value: `value-${c}-${i}-${"x".repeat(20)}` }));
  const container = (c: number, prefix: string) => ({
    name: `${prefix}-${c}`,
    image: `ghcr.io/bonsai/${prefix}-${c}@sha256:${"ab".repeat(32)}`,
    args: ["--config=/etc/app/config.yaml", `--shard=${c}`],
    env: env(c),
    ports: prefix === "app" ? [{ containerPort: 8000 + c, name: `p${c}` }] : undefined,
    securityContext: hardenedSC(),
    resources: resources(),
    livenessProbe: prefix === "app" ? { httpGet: { path: "/livez", port: 8000 + c }, periodSeconds: 10 } : undefined,
    readinessProbe: prefix === "app" ? { httpGet: { path: "/readyz", port: 8000 + c } } : undefined,
    volumeMounts: [
      { name: "tmp", mountPath: "/tmp" },
      { name: "config", mountPath: "/etc/app", readOnly: true },
    ],
  });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      ...meta(name, namespace),
      annotations: Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`bonsai.dev/note-${i}`, "y".repeat(40)])),
    },
    spec: {
      securityContext: podSC(),
      serviceAccountName: "large",
      initContainers: [container(0, "init"), container(1, "init")],
      containers: Array.from({ length: containers }, (_, c) => container(c, "app")),
      volumes: [
        { name: "tmp", emptyDir: {} },
        { name: "config", configMap: { name: "large-config" } },
      ],
    },
  };
}

/** Wraps a pod's spec into a workload's pod template. */
export function asWorkload(kind: string, pod: KubeObject, name: string): KubeObject {
  const namespace = (pod.metadata as { namespace: string }).namespace;
  const template = { metadata: { labels: { app: name } }, spec: pod.spec };
  const selector = { matchLabels: { app: name } };
  switch (kind) {
    case "Deployment":
    case "StatefulSet":
      return {
        apiVersion: "apps/v1",
        kind,
        metadata: meta(name, namespace),
        spec: { replicas: 2, selector, template },
      };
    case "DaemonSet":
      return { apiVersion: "apps/v1", kind, metadata: meta(name, namespace), spec: { selector, template } };
    case "Job":
      return { apiVersion: "batch/v1", kind, metadata: meta(name, namespace), spec: { template } };
    case "CronJob":
      return {
        apiVersion: "batch/v1",
        kind,
        metadata: meta(name, namespace),
        spec: { schedule: "*/5 * * * *", jobTemplate: { spec: { template } } },
      };
    default:
      throw new Error(`asWorkload: unsupported kind ${kind}`);
  }
}

export function compliantDeployment(name = "web", namespace = BENCH_NAMESPACE): KubeObject {
  return asWorkload("Deployment", compliantPod(name, namespace), name);
}

/** The admission benchmark's shapes, labelled as its tables name them: four Pods, then a Deployment. */
export function admissionShapes(): [string, KubeObject][] {
  return [
    ["pod/bare", barePod()],
    ["pod/compliant", compliantPod()],
    ["pod/privileged", privilegedPod()],
    ["pod/large", largePod()],
    ["deployment/compliant", compliantDeployment()],
  ];
}

const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"];
const APP_NAMESPACES = ["frontend", "backend", "infra", "monitoring", "shop"];

/**
 * `count` objects: about half pods and half workloads, one in four of them bad (privileged or bare),
 * plus a ClusterIP Service for every tenth object. Names are unique.
 */
export function auditMix(count: number): KubeObject[] {
  const out: KubeObject[] = [];
  for (let i = 0; out.length < count; i++) {
    const ns = APP_NAMESPACES[i % APP_NAMESPACES.length];
    const name = `obj-${i}`;
    const bad = i % 4 === 3;
    const pod = bad
      ? i % 8 === 3
        ? privilegedPod(name, ns)
        : barePod(name, ns)
      : i % 16 === 0
        ? largePod(name, ns, 3)
        : compliantPod(name, ns);
    if (i % 10 === 9) {
      out.push({
        apiVersion: "v1",
        kind: "Service",
        metadata: meta(name, ns),
        spec: { type: "ClusterIP", selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
      });
    } else if (i % 2 === 0) {
      out.push(pod);
    } else {
      out.push(asWorkload(WORKLOAD_KINDS[(i >> 1) % WORKLOAD_KINDS.length], pod, name));
    }
  }
  return out;
}
