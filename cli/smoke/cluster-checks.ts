import { X509Certificate } from "node:crypto";
import { KubeObject, list, record } from "../../capabilities/k8s/object";
import { ingressHosts } from "../up/local-tls";
import { Check, fail, Outcome, pass } from "./runner";
import { listObjects, secretUses, SmokeKubectl } from "./kube";

const WAITING_BAD = [
  "CrashLoopBackOff",
  "ImagePullBackOff",
  "ErrImagePull",
  "CreateContainerConfigError",
  "RunContainerError",
];
const ref = (o: KubeObject) => `${o.kind} ${o.metadata?.namespace}/${o.metadata?.name}`;

/** What every plane can answer: the API server, workload conditions, restarts, Secrets, the ingress certificate. */
export function clusterChecks(kubectl: SmokeKubectl, timeoutMs: number): Check[] {
  return [
    {
      component: "cluster",
      check: "the API server answers",
      run: async () => {
        const r = kubectl(["get", "--raw", "/readyz"], timeoutMs);
        return r.code === 0
          ? pass("ready")
          : fail(r.stderr || "no answer", 'run "bonsai up", or pass --kubeconfig/--context');
      },
    },
    {
      component: "workloads",
      check: "every Deployment, StatefulSet and DaemonSet is Available",
      run: async () => listObjects(kubectl, "deployments,statefulsets,daemonsets", timeoutMs).map(availability),
    },
    {
      component: "pods",
      check: "no pod is restarting",
      run: async () => {
        const pods = listObjects(kubectl, "pods", timeoutMs);
        const bad = pods.flatMap(restarting);
        return bad.length ? bad : [pass(`${pods.length} pods, none restarting`)];
      },
    },
    {
      component: "secrets",
      check: "every Secret a workload reads exists with its key",
      run: async () => {
        const uses = secretUses(listObjects(kubectl, "deployments,statefulsets,daemonsets,cronjobs", timeoutMs));
        const secrets = new Map(
          listObjects(kubectl, "secrets", timeoutMs).map(s => [`${s.metadata?.namespace}/${s.metadata?.name}`, s]),
        );
        const missing = uses.filter(u => !(record(secrets.get(`${u.namespace}/${u.name}`)?.data) ?? {})[u.key]);
        return missing.length
          ? missing.map(u =>
              fail(
                `Secret ${u.namespace}/${u.name} key ${u.key} is missing (read by ${u.usedBy})`,
                `create it: SOPS-encrypted in git for Flux (docs/bootstrap.md), or let "bonsai up" make a random stand-in`,
              ),
            )
          : [pass(`${uses.length} references, all present`)];
      },
    },
    {
      component: "ingress",
      check: "the controller's TLS Secret covers every Ingress host",
      run: async () => tlsCovers(kubectl, timeoutMs),
    },
  ];
}

function availability(o: KubeObject): Outcome {
  const status = record(o.status) ?? {};
  const want = Number(record(o.spec)?.replicas ?? 1);
  let ready: number;
  let wanted = want;
  if (o.kind === "DaemonSet") {
    ready = Number(status.numberAvailable ?? 0);
    wanted = Number(status.desiredNumberScheduled ?? 0);
  } else if (o.kind === "Deployment") {
    const available = list(status.conditions).some(
      c => record(c)?.type === "Available" && record(c)?.status === "True",
    );
    ready = available ? Number(status.availableReplicas ?? 0) : 0;
  } else ready = Number(status.readyReplicas ?? 0);
  const detail = `${ref(o)} ${ready}/${wanted}`;
  return ready >= wanted && wanted > 0
    ? pass(`${detail} available`)
    : fail(
        `${detail} available`,
        `kubectl -n ${o.metadata?.namespace} describe ${String(o.kind).toLowerCase()}/${o.metadata?.name}; then the pods' logs`,
      );
}

function restarting(pod: KubeObject): Outcome[] {
  const out: Outcome[] = [];
  for (const s of [
    ...list(record(pod.status)?.initContainerStatuses),
    ...list(record(pod.status)?.containerStatuses),
  ]) {
    const st = record(s) ?? {};
    const waiting = String(record(record(st.state)?.waiting)?.reason ?? "");
    const restarts = Number(st.restartCount ?? 0);
    if (restarts > 0 || WAITING_BAD.includes(waiting))
      out.push(
        fail(
          `Pod ${pod.metadata?.namespace}/${pod.metadata?.name} container ${st.name}: ${restarts} restarts${waiting ? `, ${waiting}` : ""}`,
          `kubectl -n ${pod.metadata?.namespace} logs ${pod.metadata?.name} -c ${st.name} --previous`,
        ),
      );
  }
  return out;
}

function tlsCovers(kubectl: SmokeKubectl, timeoutMs: number): Outcome {
  const r = kubectl(["get", "secret", "bonsai-local-tls", "-n", "ingress-nginx", "-o", "json"], timeoutMs);
  if (r.code !== 0)
    return fail(
      `Secret ingress-nginx/bonsai-local-tls: ${r.stderr || "missing"}`,
      'run "bonsai up" (it creates it from the local CA) or see docs/runtime-contract.md',
    );
  const pem = (JSON.parse(r.stdout) as { data?: Record<string, string> }).data?.["tls.crt"];
  if (!pem)
    return fail("Secret ingress-nginx/bonsai-local-tls has no tls.crt", "recreate it as a kubernetes.io/tls Secret");
  const cert = new X509Certificate(Buffer.from(pem, "base64"));
  if (Date.parse(cert.validTo) < Date.now())
    return fail(`its certificate expired on ${cert.validTo}`, "delete the Secret and run bonsai up again");
  const hosts = ingressHosts(listObjects(kubectl, "ingresses", timeoutMs));
  const uncovered = hosts.filter(h => !cert.checkHost(h));
  return uncovered.length
    ? fail(
        `its certificate does not name ${uncovered.join(", ")}`,
        "delete the Secret and run bonsai up again (it issues one for every Ingress host)",
      )
    : pass(`valid until ${cert.validTo}, ${hosts.length} hosts`);
}
