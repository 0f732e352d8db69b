import type { V1LabelSelector } from "@kubernetes/client-node";
import { APP_NAMESPACES, DNS, FLOWS, FlowRule, isAppNamespace } from "../../config/platform";
import { cidrWithin } from "../../k8s/cidr";
import { KubeObject, list, record } from "../../k8s/object";
import { Policy, verdicts } from "../../engine/policy";
import { resourceRef } from "../../engine/result";

const NAME_LABEL = "kubernetes.io/metadata.name";

/** What a NetworkPolicy peer can reach or be reached from, as far as we can prove it. */
type PeerScope =
  | { kind: "same-namespace" }
  | { kind: "namespaces"; names: string[] }
  | { kind: "all-namespaces" }
  | { kind: "unprovable"; why: string }
  | { kind: "ipBlock"; cidr: string };

function selectorIsEmpty(sel: V1LabelSelector): boolean {
  return !Object.keys(record(sel.matchLabels) ?? {}).length && !list(sel.matchExpressions).length;
}

/** The namespaces a namespaceSelector can select, judged only by their immutable name label. */
function namespacesOf(sel: V1LabelSelector): PeerScope {
  if (selectorIsEmpty(sel)) return { kind: "all-namespaces" };
  const byLabel = record(sel.matchLabels)?.[NAME_LABEL];
  if (typeof byLabel === "string") return { kind: "namespaces", names: [byLabel] };
  for (const e of list(sel.matchExpressions)) {
    const expr = record(e);
    if (expr?.key === NAME_LABEL && expr.operator === "In")
      return { kind: "namespaces", names: list(expr.values).map(String) };
  }
  return {
    kind: "unprovable",
    why: `select namespaces by the "${NAME_LABEL}" label (other labels can be set by anyone who can edit a namespace)`,
  };
}

function scopeOf(peer: unknown): PeerScope {
  const p = record(peer);
  if (!p) return { kind: "unprovable", why: "the peer is not an object" };
  const ipBlock = record(p.ipBlock);
  if (ipBlock) return { kind: "ipBlock", cidr: String(ipBlock.cidr) };
  const nsSel = record<V1LabelSelector>(p.namespaceSelector);
  if (nsSel) return namespacesOf(nsSel);
  if (record(p.podSelector)) return { kind: "same-namespace" };
  return { kind: "unprovable", why: "an empty peer selects nothing known" };
}

function ports(rule: Record<string, unknown>): number[] | undefined {
  const ps = list(rule.ports);
  if (!ps.length) return undefined; // all ports
  const numbers = ps.map(p => record(p)?.port);
  return numbers.every(n => typeof n === "number") ? (numbers as number[]) : undefined;
}

const onlyPorts = (rulePorts: number[] | undefined, allowed: readonly number[]) =>
  rulePorts !== undefined && rulePorts.every(p => allowed.includes(p));

interface Breach {
  path: string;
  message: string;
}

function ingressBreaches(ns: string, flow: FlowRule, spec: Record<string, unknown>): Breach[] {
  const allowed = `allowed sources for ${ns}: ${[...flow.ingressFrom].join(", ") || "none"} (and pods of ${ns} itself)`;
  const out: Breach[] = [];
  list(spec.ingress).forEach((r, i) => {
    const rule = record(r) ?? {};
    const peers = list(rule.from);
    if (!peers.length) {
      out.push({
        path: `spec.ingress[${i}].from`,
        message: `spec.ingress[${i}].from is unset, which admits every source; ${allowed}`,
      });
      return;
    }
    peers.forEach((peer, j) => {
      const path = `spec.ingress[${i}].from[${j}]`;
      const scope = scopeOf(peer);
      switch (scope.kind) {
        case "same-namespace":
          return;
        case "namespaces": {
          const extra = scope.names.filter(n => n !== ns && !flow.ingressFrom.includes(n));
          if (extra.length)
            out.push({ path, message: `${path} admits namespace ${extra.map(n => `"${n}"`).join(", ")}; ${allowed}` });
          return;
        }
        case "all-namespaces":
          out.push({ path, message: `${path}.namespaceSelector is {} (every namespace); ${allowed}` });
          return;
        case "ipBlock":
          out.push({
            path,
            message: `${path}.ipBlock admits ${scope.cidr}; external traffic enters only through the ingress controller (${allowed})`,
          });
          return;
        case "unprovable":
          out.push({
            path,
            message: `${path} cannot be proven to stay within the allowed sources: ${scope.why}; ${allowed}`,
          });
      }
    });
  });
  return out;
}

function egressBreaches(ns: string, flow: FlowRule, spec: Record<string, unknown>): Breach[] {
  const api = flow.egressToAddresses ?? [];
  const allowed =
    `allowed destinations for ${ns}: ${[...flow.egressTo].join(", ") || "none"}, pods of ${ns} itself, DNS (port ${DNS.port})` +
    (api.length ? `, the addresses ${api.map(b => `${b.cidr} port ${b.port}`).join(", ")}` : "");
  const out: Breach[] = [];
  list(spec.egress).forEach((r, i) => {
    const rule = record(r) ?? {};
    const rulePorts = ports(rule);
    const dnsOnly = onlyPorts(rulePorts, [DNS.port]);
    const peers = list(rule.to);
    if (!peers.length) {
      if (!dnsOnly)
        out.push({
          path: `spec.egress[${i}].to`,
          message: `spec.egress[${i}].to is unset, which allows every destination; ${allowed}`,
        });
      return;
    }
    peers.forEach((peer, j) => {
      const path = `spec.egress[${i}].to[${j}]`;
      const scope = scopeOf(peer);
      switch (scope.kind) {
        case "same-namespace":
          return;
        case "namespaces": {
          const extra = scope.names.filter(
            n => n !== ns && !flow.egressTo.includes(n) && !(n === DNS.namespace && dnsOnly),
          );
          if (extra.length)
            out.push({ path, message: `${path} allows namespace ${extra.map(n => `"${n}"`).join(", ")}; ${allowed}` });
          return;
        }
        case "all-namespaces":
          if (!dnsOnly) out.push({ path, message: `${path}.namespaceSelector is {} (every namespace); ${allowed}` });
          return;
        case "ipBlock":
          if (!api.some(b => cidrWithin(scope.cidr, b.cidr) && onlyPorts(rulePorts, [b.port])))
            out.push({
              path,
              message: `${path}.ipBlock allows ${scope.cidr}${rulePorts ? ` on ports ${rulePorts.join(", ")}` : " on every port"}; ${allowed}`,
            });
          return;
        case "unprovable":
          out.push({
            path,
            message: `${path} cannot be proven to stay within the allowed destinations: ${scope.why}; ${allowed}`,
          });
      }
    });
  });
  return out;
}

/**
 * NetworkPolicies in app namespaces may not open them beyond the platform's flows (config/platform.ts).
 * Policies are additive in Kubernetes, so each one is judged on its own: anything it allows must be allowed.
 */
export const networkFlows: Policy = {
  name: "network-flows",
  category: "Network",
  description: `NetworkPolicies in ${APP_NAMESPACES.join(", ")} stay within the platform's allowed flows`,
  mode: "enforce",
  kinds: ["NetworkPolicy"],
  rules: [
    {
      id: "ingress-sources",
      title: "A NetworkPolicy admits traffic only from the namespace's allowed sources",
      severity: "high",
    },
    {
      id: "egress-destinations",
      title: "A NetworkPolicy opens egress only to the namespace's allowed destinations",
      severity: "high",
    },
    {
      id: "default-deny",
      title: "The default-deny NetworkPolicy of an app namespace is not deleted, except with its namespace",
      severity: "high",
    },
  ],
  evaluate: (obj: KubeObject) => {
    const ns = record(obj.metadata)?.namespace;
    if (typeof ns !== "string" || !isAppNamespace(ns)) return [];
    const spec = record(obj.spec) ?? {};
    const flow = FLOWS[ns];
    const failures = [
      ...ingressBreaches(ns, flow, spec).map(b => ({
        rule: "ingress-sources",
        fields: [b.path],
        message: b.message,
      })),
      ...egressBreaches(ns, flow, spec).map(b => ({
        rule: "egress-destinations",
        fields: [b.path],
        message: b.message,
      })),
    ];
    return verdicts(networkFlows, resourceRef(obj), failures, `within the allowed flows of ${ns}`);
  },
};
