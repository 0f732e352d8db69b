import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { goModDownload } from "../../../tools/cache";
import type { ControlPlane } from "../../../tools/controlplane/controlplane";
import { KubeApiError } from "../../../tools/controlplane/kube-api";
import { freePort, startProcess, Started, stopProcesses, tail, waitFor } from "../../../tools/controlplane/processes";
import { ensureKyverno, KYVERNO_VERSION } from "./build";
import { KYVERNO_POLICY_FILE, KYVERNO_POLICY_NAME } from "./policy";

/** Kyverno's own namespace: its CA and TLS Secrets, ConfigMaps and leader-election Lease live there. */
export const KYVERNO_NAMESPACE = "kyverno";

/** The resource webhook configuration Kyverno writes once a policy needs it (pkg/config). */
const RESOURCE_WEBHOOK_CONFIG = "kyverno-resource-validating-webhook-cfg";

export interface RunningKyverno {
  process: Started;
  /** https://127.0.0.1:<port>: where Kyverno serves and where its webhook configurations send the API server */
  address: string;
  stop(): Promise<void>;
}

/** Every CRD Kyverno's admission controller watches (its chart installs the same set). */
function crdFiles(): string[] {
  const root = join(goModDownload("github.com/kyverno/kyverno", KYVERNO_VERSION), "config", "crds");
  return ["kyverno", "policies.kyverno.io", "policyreport", "reports"].flatMap(d =>
    readdirSync(join(root, d))
      .filter(f => f.endsWith(".yaml"))
      .map(f => join(root, d, f)),
  );
}

/**
 * The `kyverno` ConfigMap as the chart writes it, but with the resource webhooks limited to namespaces labelled
 * `selector` (the bench turns Kyverno on for a namespace with that label), and the chart's default resource
 * filters.
 */
function configMap(selector: Record<string, string>): Record<string, unknown> {
  const filters = [
    "[Event,*,*]",
    "[*/*,kube-system,*]",
    "[*/*,kube-public,*]",
    "[*/*,kube-node-lease,*]",
    "[Node,*,*]",
    "[Node/?*,*,*]",
    "[APIService,*,*]",
    "[APIService/?*,*,*]",
    "[TokenReview,*,*]",
    "[SubjectAccessReview,*,*]",
    "[SelfSubjectAccessReview,*,*]",
    "[Binding,*,*]",
    "[Pod/binding,*,*]",
    "[ReplicaSet,*,*]",
    "[ReplicaSet/?*,*,*]",
    "[EphemeralReport,*,*]",
    "[ClusterEphemeralReport,*,*]",
    `[*/*,${KYVERNO_NAMESPACE},*]`,
  ];
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "kyverno", namespace: KYVERNO_NAMESPACE },
    data: {
      resourceFilters: filters.join(""),
      webhooks: JSON.stringify({ namespaceSelector: { matchLabels: selector } }),
      generateSuccessEvents: "false",
    },
  };
}

const must = (cp: ControlPlane, args: string[], input?: string) => {
  const r = cp.kubectl(args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr.trim()}`);
  return r.stdout;
};

/**
 * Kyverno's admission controller (`cmd/kyverno`) out of cluster, as its `--serverIP` flag intends: it reaches the
 * API server with the admin kubeconfig, generates its own CA and serving certificate (with 127.0.0.1 as IP SAN),
 * serves its webhooks on 127.0.0.1:<free port>, and registers webhook configurations with
 * `url: https://127.0.0.1:<port>/…` and that CA. Then the ClusterPolicy (podSecurity restricted, Enforce) is
 * applied and this waits until Kyverno's webhook for Pods is registered and the policy is Ready.
 * Flags follow the chart's defaults (logging at -v=2, admission reports on, events for violations only).
 */
export async function startKyverno(opts: {
  cp: ControlPlane;
  stateDir: string;
  namespaceSelector: Record<string, string>;
  progress: (m: string) => void;
}): Promise<RunningKyverno> {
  const { cp } = opts;
  const bins = ensureKyverno(opts.progress);
  for (const file of crdFiles()) must(cp, ["apply", "--server-side", "-f", file]);
  must(cp, ["wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"]);
  const api = cp.api();
  try {
    await api.post("/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: KYVERNO_NAMESPACE },
    });
    await api.post(`/api/v1/namespaces/${KYVERNO_NAMESPACE}/configmaps`, configMap(opts.namespaceSelector));
    await api.post(`/api/v1/namespaces/${KYVERNO_NAMESPACE}/configmaps`, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "kyverno-metrics", namespace: KYVERNO_NAMESPACE },
      data: {},
    });
  } finally {
    api.close();
  }
  const [port, metricsPort] = [await freePort(), await freePort()];
  const address = `127.0.0.1:${port}`;
  const svc = "kyverno-svc";
  const proc = startProcess(
    "kyverno",
    bins.controller,
    [
      `--kubeconfig=${cp.kubeconfig}`,
      `--serverIP=${address}`,
      "--webhookServerHost=127.0.0.1",
      `--webhookServerPort=${port}`,
      `--caSecretName=${svc}.${KYVERNO_NAMESPACE}.svc.kyverno-tls-ca`,
      `--tlsSecretName=${svc}.${KYVERNO_NAMESPACE}.svc.kyverno-tls-pair`,
      "--metricsHost=127.0.0.1",
      `--metricsPort=${metricsPort}`,
      "--controllerRuntimeMetricsAddress=0",
      "--omitEvents=PolicyApplied,PolicySkipped",
      "--autoUpdateWebhooks=true",
      "--admissionReports=true",
      "--loggingFormat=text",
      // The machine has no container memory limit to read: without this, GOMEMLIMIT is 90 % of 24 GB.
      "--autoMemLimitEnabled=false",
    ],
    opts.stateDir,
    {
      env: {
        KYVERNO_NAMESPACE,
        KYVERNO_SVC: svc,
        KYVERNO_POD_NAME: "kyverno-bench",
        KYVERNO_DEPLOYMENT: "kyverno-admission-controller",
        KYVERNO_SERVICEACCOUNT_NAME: "kyverno-admission-controller",
        INIT_CONFIG: "kyverno",
        METRICS_CONFIG: "kyverno-metrics",
      },
    },
  );
  const running: RunningKyverno = {
    process: proc,
    address,
    stop: () => stopProcesses([proc], opts.stateDir),
  };
  try {
    const dead = () =>
      proc.exited ? `kyverno exited (${JSON.stringify(proc.exited)}):\n${tail(proc.log)}` : undefined;
    opts.progress(`kyverno ${KYVERNO_VERSION} starting out of cluster on ${address}`);
    must(cp, ["apply", "-f", KYVERNO_POLICY_FILE]);
    const api2 = cp.api();
    try {
      await waitFor(
        "kyverno's ClusterPolicy Ready and its Pod webhook registered",
        async () => {
          const policy = await api2.get<{ status?: { conditions?: { type: string; status: string }[] } }>(
            `/apis/kyverno.io/v1/clusterpolicies/${KYVERNO_POLICY_NAME}`,
          );
          if (!policy.status?.conditions?.some(c => c.type === "Ready" && c.status === "True")) return false;
          const cfg = await api2
            .get<{
              webhooks?: { clientConfig: { url?: string }; rules?: { resources?: string[] }[] }[];
            }>(`/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/${RESOURCE_WEBHOOK_CONFIG}`)
            .catch((err: unknown) => {
              if (err instanceof KubeApiError && err.status === 404) return { webhooks: [] };
              throw err;
            });
          return (cfg.webhooks ?? []).some(
            w =>
              w.clientConfig.url?.startsWith(`https://${address}/`) &&
              w.rules?.some(r => r.resources?.includes("pods")),
          );
        },
        { timeoutMs: 180_000, dead, describe: () => tail(proc.log) },
      );
    } finally {
      api2.close();
    }
    return running;
  } catch (err) {
    await running.stop();
    throw err;
  }
}

/** The ClusterPolicy as applied, for the results file. */
export const kyvernoPolicy = (): unknown => parse(readFileSync(KYVERNO_POLICY_FILE, "utf8"));
