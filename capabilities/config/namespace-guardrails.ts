import { DNS, isAppNamespace, LIMIT_RANGE, NETWORK, QUOTA } from "./platform";
import { activeQuotaSize, QuotaSize, quotaFor } from "./quota-sizes";
import type { KubeObject } from "../k8s/object";

const LABELS = { "app.kubernetes.io/managed-by": "bonsai-guardrails", "app.kubernetes.io/part-of": "bonsai" };

/**
 * The objects every app namespace must hold, generated from the platform configuration: the quota,
 * the LimitRange, default-deny and DNS egress. The module applies them (server-side apply) when a
 * namespace appears and restores them when they are deleted or drift. The quota is the cluster's size of it
 * (quota-sizes.ts; the module's pods get the size from their environment).
 */
export function guardrailObjectsFor(namespace: string, size: QuotaSize = activeQuotaSize()): KubeObject[] {
  if (!isAppNamespace(namespace)) return [];
  const meta = (name: string) => ({ name, namespace, labels: { ...LABELS } });
  return [
    {
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: meta(QUOTA.name),
      spec: { hard: { ...quotaFor(namespace, size) } },
    },
    {
      apiVersion: "v1",
      kind: "LimitRange",
      metadata: meta(LIMIT_RANGE.name),
      spec: {
        limits: [
          { type: "Container", default: { ...LIMIT_RANGE.default }, defaultRequest: { ...LIMIT_RANGE.defaultRequest } },
        ],
      },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta(NETWORK.defaultDenyName),
      spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
    },
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: meta(NETWORK.dnsEgressName),
      spec: {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": DNS.namespace } },
                podSelector: { matchLabels: { ...DNS.podLabels } },
              },
            ],
            ports: [
              { protocol: "UDP", port: DNS.port },
              { protocol: "TCP", port: DNS.port },
            ],
          },
        ],
      },
    },
  ];
}

/** Keys identifying the managed objects, for "was one of ours deleted?" checks. */
export function isManagedGuardrail(
  kind: string | undefined,
  namespace: string | undefined,
  name: string | undefined,
): boolean {
  if (!namespace || !isAppNamespace(namespace)) return false;
  return guardrailObjectsFor(namespace).some(o => o.kind === kind && o.metadata?.name === name);
}
