/**
 * The platform's numbers and decisions, in one place (seed: architecture.ko.md, "리소스 관리" and
 * "Network Policies"). Policies, the audit, the namespace reconciler, the tests and the GitOps tree's
 * checks all read this module; nothing here is written twice.
 */

/** Namespaces that belong to the platform's own workloads: each gets quota, limits and default-deny. */
export const APP_NAMESPACES = ["frontend", "backend", "infra", "monitoring"] as const;
export type AppNamespace = (typeof APP_NAMESPACES)[number];

/** Where the NGINX ingress controller runs; the only namespace allowed a LoadBalancer (through an exemption). */
export const INGRESS_NAMESPACE = "ingress-nginx";

/** Where cluster DNS runs (k3s: CoreDNS in kube-system, label k8s-app=kube-dns). */
export const DNS = { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" }, port: 53 } as const;

export function isAppNamespace(ns: string | undefined): ns is AppNamespace {
  return (APP_NAMESPACES as readonly string[]).includes(ns ?? "");
}

/** ResourceQuota `compute-quota`, the same in every app namespace (seed). Also the cap no quota may exceed. */
export const QUOTA = {
  name: "compute-quota",
  hard: {
    "requests.cpu": "4",
    "requests.memory": "4Gi",
    "limits.cpu": "8",
    "limits.memory": "8Gi",
    persistentvolumeclaims: "5",
  },
} as const;

/** LimitRange defaults for containers (seed), and the caps a LimitRange may not exceed. */
export const LIMIT_RANGE = {
  name: "default-limits",
  default: { cpu: "500m", memory: "512Mi" },
  defaultRequest: { cpu: "250m", memory: "256Mi" },
  /**
   * No container-level value of a LimitRange (default, defaultRequest, max, min) may exceed this: a
   * single container bigger than half the namespace's requests quota would starve the rest.
   */
  containerCap: { cpu: "2", memory: "2Gi" },
} as const;

/** Names of the objects the module keeps in every app namespace. */
export const NETWORK = {
  defaultDenyName: "default-deny",
  dnsEgressName: "allow-dns-egress",
} as const;

/**
 * Where pods reach the Kubernetes API server, as NetworkPolicy ipBlocks: after kube-proxy's DNAT the k3s server's
 * address on 6443 inside k3d's Docker network (Docker's default pools are in 172.16.0.0/12), and the
 * `kubernetes` Service address (k3s's first service IP) on 443 for policy engines that match before DNAT.
 */
export const API_SERVER = {
  blocks: [
    { cidr: "172.16.0.0/12", port: 6443 },
    { cidr: "10.43.0.1/32", port: 443 },
  ],
} as const;

/** The kubelet's metrics on the node's address: a private address of the Docker network k3d made. */
export const KUBELET = {
  blocks: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map(cidr => ({ cidr, port: 10250 })),
} as const;

/** An address range outside the cluster a namespace may reach, on one port. */
export interface AddressBlock {
  cidr: string;
  port: number;
}

/**
 * Allowed flows between namespaces (seed: "Network Policies"; monitoring and ingress-nginx are our decisions,
 * docs/network-flows.md has the full matrix). These bound what a NetworkPolicy in the namespace may open:
 * `ingressFrom`: namespaces whose pods may open connections to this namespace.
 * `egressTo`: namespaces this namespace may connect to.
 * `egressToAddresses`: the only addresses (ipBlocks) it may reach, each on its port: the API server, the kubelet.
 * A policy may also open traffic within its own namespace and DNS egress; whether it does is the namespace's
 * choice: infra and monitoring open within-namespace traffic, frontend and backend do not (frontend ->
 * frontend is denied). No namespace may reach 0.0.0.0/0.
 */
export interface FlowRule {
  ingressFrom: readonly string[];
  egressTo: readonly string[];
  egressToAddresses?: readonly AddressBlock[];
}

export const FLOWS: Record<AppNamespace, FlowRule> = {
  // "monitoring" in ingressFrom: the metrics store scrapes the backend's /metrics and the exporters in infra
  // (apps/metrics/network); the frontend serves no /metrics.
  frontend: { ingressFrom: [INGRESS_NAMESPACE], egressTo: ["backend"] },
  backend: { ingressFrom: ["frontend", INGRESS_NAMESPACE, "monitoring"], egressTo: ["infra"] },
  // PgBouncer -> PostgreSQL, Kafka UI -> Kafka, pgAdmin -> PostgreSQL: all within infra; nothing needs the internet.
  infra: { ingressFrom: ["backend", INGRESS_NAMESPACE, "monitoring"], egressTo: [] },
  // Alloy tails logs through the API server and pushes to Loki; Grafana queries Loki; the ingress serves Grafana.
  // The metrics store scrapes the apps, the exporters in infra, the ingress controller and the guardrails' module,
  // and the kubelet on the node's address (KUBELET).
  monitoring: {
    ingressFrom: [INGRESS_NAMESPACE],
    egressTo: ["infra", "frontend", "backend", INGRESS_NAMESPACE, "pepr-system"],
    egressToAddresses: [...API_SERVER.blocks, ...KUBELET.blocks],
  },
};
