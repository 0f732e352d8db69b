import { isRecord, KubeObject, list, record } from "../capabilities/k8s/object";

/**
 * A NetworkPolicy evaluator for rendered manifests: which endpoint may open a connection to which other
 * endpoint on which port, following the Kubernetes semantics (a pod is isolated for a direction once any
 * policy selecting it lists that policyType; then only what some rule allows gets through; ingress and
 * egress must both allow).
 */
export interface Endpoint {
  /** A name for messages, e.g. "frontend/frontend" or "internet". */
  id: string;
  namespace?: string;
  labels: Record<string, string>;
  ip: string;
  /** Named container ports, so rules that name a port resolve. */
  namedPorts?: Record<string, number>;
}

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export function selects(selector: unknown, labels: Record<string, string>): boolean {
  const sel = record<Selector>(selector);
  if (!sel) return false;
  for (const [k, v] of Object.entries(record(sel.matchLabels) ?? {})) if (labels[k] !== v) return false;
  for (const e of list<{ key: string; operator: string; values?: string[] }>(sel.matchExpressions)) {
    const has = e.key in labels;
    const values = e.values ?? [];
    if (e.operator === "In" && !(has && values.includes(labels[e.key]))) return false;
    if (e.operator === "NotIn" && has && values.includes(labels[e.key])) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}

function ipToInt(ip: string): number {
  return ip.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const size = Number(bits ?? 32);
  if (size === 0) return true;
  const mask = 2 ** 32 - 2 ** (32 - size);
  return (ipToInt(ip) & mask) >>> 0 === (ipToInt(base) & mask) >>> 0;
}

export class NetworkModel {
  private readonly policies: KubeObject[];
  private readonly namespaceLabels = new Map<string, Record<string, string>>();

  constructor(objects: KubeObject[]) {
    this.policies = objects.filter(o => o.kind === "NetworkPolicy");
    for (const ns of objects.filter(o => o.kind === "Namespace")) {
      const name = String(ns.metadata?.name);
      this.namespaceLabels.set(name, { ...(ns.metadata?.labels ?? {}), "kubernetes.io/metadata.name": name });
    }
  }

  private nsLabels(ns: string): Record<string, string> {
    return this.namespaceLabels.get(ns) ?? { "kubernetes.io/metadata.name": ns };
  }

  private peerMatches(peer: unknown, policyNs: string, other: Endpoint): boolean {
    const p = record(peer);
    if (!p) return false;
    const ipBlock = record(p.ipBlock);
    if (ipBlock) {
      const excepted = list<string>(ipBlock.except).some(c => inCidr(other.ip, c));
      return inCidr(other.ip, String(ipBlock.cidr)) && !excepted;
    }
    if (!other.namespace) return false; // selectors only ever select pods
    const nsOk =
      p.namespaceSelector !== undefined
        ? selects(p.namespaceSelector, this.nsLabels(other.namespace))
        : other.namespace === policyNs;
    const podOk = p.podSelector !== undefined ? selects(p.podSelector, other.labels) : true;
    return nsOk && podOk;
  }

  private portMatches(rule: Record<string, unknown>, target: Endpoint, port: number): boolean {
    const ports = list(rule.ports);
    if (!ports.length) return true;
    return ports.some(entry => {
      const p = record(entry) ?? {};
      if ((p.protocol ?? "TCP") !== "TCP" && (p.protocol ?? "TCP") !== "ANY") return false;
      if (p.port === undefined) return true;
      const n = typeof p.port === "number" ? p.port : target.namedPorts?.[String(p.port)];
      const end = typeof p.endPort === "number" ? p.endPort : n;
      return n !== undefined && end !== undefined && port >= n && port <= end;
    });
  }

  private policiesFor(ep: Endpoint, type: "Ingress" | "Egress"): Record<string, unknown>[] {
    if (!ep.namespace) return [];
    return this.policies
      .filter(p => p.metadata?.namespace === ep.namespace)
      .map(p => record(p.spec) ?? {})
      .filter(spec => selects(spec.podSelector ?? {}, ep.labels))
      .filter(spec => {
        const types = list<string>(spec.policyTypes);
        if (types.length) return types.includes(type);
        return type === "Ingress" || (isRecord(spec) && list(spec.egress).length > 0);
      });
  }

  /** Whether `from` may connect to `to` on TCP `port`: `from`'s egress policies and `to`'s ingress policies allow it. */
  allows(from: Endpoint, to: Endpoint, port: number): boolean {
    return this.sideAllows("Egress", from, to, to, port) && this.sideAllows("Ingress", to, from, to, port);
  }

  /**
   * One side of a connection: no `type` policy selects `self`, or one of them has a rule whose peers (`to` for
   * egress, `from` for ingress; none means any) match `other` and whose ports match `port` on `target`.
   */
  private sideAllows(type: "Ingress" | "Egress", self: Endpoint, other: Endpoint, target: Endpoint, port: number) {
    const policies = this.policiesFor(self, type);
    const [rulesKey, peersKey] = type === "Egress" ? ["egress", "to"] : ["ingress", "from"];
    return (
      !policies.length ||
      policies.some(spec =>
        list(spec[rulesKey]).some(r => {
          const rule = record(r) ?? {};
          const peers = list(rule[peersKey]);
          return (
            (!peers.length || peers.some(peer => this.peerMatches(peer, self.namespace!, other))) &&
            this.portMatches(rule, target, port)
          );
        }),
      )
    );
  }
}

/** One endpoint per workload's pod template (Deployment, StatefulSet, DaemonSet), with pod IPs from 10.42/16. */
export function workloadEndpoints(objects: KubeObject[]): Map<string, Endpoint> {
  const out = new Map<string, Endpoint>();
  let n = 10;
  for (const o of objects.filter(x => ["Deployment", "StatefulSet", "DaemonSet"].includes(String(x.kind)))) {
    const template = record(record(o.spec)?.template);
    const labels = (record(template?.metadata)?.labels ?? {}) as Record<string, string>;
    const namedPorts: Record<string, number> = {};
    for (const c of list(record(template?.spec)?.containers))
      for (const p of list(record(c)?.ports)) {
        const port = record(p);
        if (port?.name) namedPorts[String(port.name)] = Number(port.containerPort);
      }
    const id = `${o.metadata?.namespace}/${o.metadata?.name}`;
    out.set(id, { id, namespace: String(o.metadata?.namespace), labels, namedPorts, ip: `10.42.0.${n++}` });
  }
  return out;
}
