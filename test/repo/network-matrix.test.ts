import { readFileSync } from "node:fs";
import { join } from "node:path";
import { NetworkModel, workloadEndpoints, Endpoint } from "../../tools/netpol";
import { ingressBackends, readFlowMatrix } from "../../tools/flow-matrix";
import {
  API_SERVER,
  APP_NAMESPACES,
  FLOWS,
  INGRESS_NAMESPACE,
  isAppNamespace,
} from "../../capabilities/config/platform";
import { cidrWithin } from "../../capabilities/k8s/cidr";
import { KubeObject, list, record } from "../../capabilities/k8s/object";
import { REPO, renderedPlatform } from "./rendered";

// Who may reach whom, computed from the rendered NetworkPolicies and compared with the documented matrix
// (docs/network-flows.md, read here: the doc is the table).
const objects = renderedPlatform();
const model = new NetworkModel(objects);
const w = workloadEndpoints(objects);
const special: Record<string, Endpoint> = {
  "kube-dns": { id: "kube-dns", namespace: "kube-system", labels: { "k8s-app": "kube-dns" }, ip: "10.42.0.2" },
  "api-server": { id: "api-server", labels: {}, ip: "172.18.0.2" },
  outside: { id: "outside", labels: {}, ip: "203.0.113.10" },
};
const ep = (id: string): Endpoint => {
  const e = w.get(id) ?? special[id];
  if (!e) throw new Error(`no workload ${id}; have ${[...w.keys(), ...Object.keys(special)].join(", ")}`);
  return e;
};
const matrix = readFlowMatrix(readFileSync(join(REPO, "docs", "network-flows.md"), "utf8"));
const CONTROLLER = { "app.kubernetes.io/name": "nginx-ingress", "app.kubernetes.io/instance": "ingress-nginx" };
const netpols = (objs: KubeObject[]) => objs.filter(o => o.kind === "NetworkPolicy");
const specOf = (o: KubeObject) => record(o.spec) ?? {};

/** Rules that open a namespace to everything: an ipBlock of /0, or an egress rule with no destination. */
function openToTheWorld(objs: KubeObject[]): string[] {
  const out: string[] = [];
  for (const np of netpols(objs)) {
    const id = `${np.metadata?.namespace}/${np.metadata?.name}`;
    for (const dir of ["ingress", "egress"] as const)
      list(specOf(np)[dir]).forEach((r, i) => {
        const peers = list(record(r)?.[dir === "ingress" ? "from" : "to"]);
        if (dir === "egress" && !peers.length) out.push(`${id} spec.egress[${i}] allows every destination`);
        peers.forEach((p, j) => {
          const cidr = record(record(p)?.ipBlock)?.cidr;
          if (typeof cidr === "string" && cidr.endsWith("/0")) out.push(`${id} spec.${dir}[${i}] peer ${j}: ${cidr}`);
        });
      });
  }
  return out;
}

describe("NetworkPolicy connectivity of the rendered platform", () => {
  it.each(matrix.map(r => [r.from, r.to, r.port, r.allowed] as const))(
    "%s -> %s:%d allowed=%s",
    (from, to, port, allowed) => {
      expect(model.allows(ep(from), ep(to), port)).toBe(allowed);
    },
  );

  it("covers every namespace in both directions, and every namespace has a default-deny", () => {
    const namespaces = [INGRESS_NAMESPACE, ...APP_NAMESPACES];
    const nsOf = (id: string) => id.split("/")[0];
    for (const ns of namespaces) {
      expect(matrix.some(r => nsOf(r.from) === ns)).toBe(true);
      expect(matrix.some(r => nsOf(r.to) === ns)).toBe(true);
      const deny = netpols(objects).find(o => o.metadata?.namespace === ns && o.metadata?.name === "default-deny");
      expect(deny && specOf(deny)).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    }
  });

  it("lets the ingress controller reach exactly each Ingress backend's pods on their target port", () => {
    const rules = netpols(objects)
      .filter(o => o.metadata?.namespace === INGRESS_NAMESPACE && o.metadata?.name === "allow-to-ingress-backends")
      .flatMap(o => list(specOf(o).egress));
    const backends = ingressBackends(objects);
    expect(rules).toHaveLength(backends.length);
    const controller = ep("ingress-nginx/ingress-nginx-controller");
    expect(Object.entries(CONTROLLER).every(([k, v]) => controller.labels[k] === v)).toBe(true);
    backends.forEach((b, i) => {
      // A pod with exactly the Service's selector labels, listening where the Service sends traffic.
      const pod: Endpoint = {
        id: `${b.namespace} backend ${i}`,
        namespace: b.namespace,
        labels: b.podLabels,
        ip: `10.42.1.${i + 1}`,
        namedPorts: { http: b.port },
      };
      const only = new NetworkModel(objects.filter(o => o.metadata?.name !== "allow-to-ingress-backends"));
      expect([model.allows(controller, pod, b.port), only.allows(controller, pod, b.port)]).toEqual([true, false]);
      expect(model.allows(controller, pod, b.port + 1)).toBe(false);
    });
  });

  it("allows 0.0.0.0/0 nowhere, and outside addresses only as platform.ts lists them; fails when such a rule is added", () => {
    expect(openToTheWorld(objects)).toEqual([]);
    for (const np of netpols(objects))
      for (const r of list(specOf(np).egress))
        for (const p of list(record(r)?.to)) {
          const cidr = record(record(p)?.ipBlock)?.cidr;
          const ns = String(np.metadata?.namespace);
          const blocks = isAppNamespace(ns) ? (FLOWS[ns].egressToAddresses ?? []) : API_SERVER.blocks;
          if (typeof cidr === "string")
            expect([np.metadata?.name, blocks.some(b => cidrWithin(cidr, b.cidr))]).toEqual([np.metadata?.name, true]);
        }
    const wide: KubeObject = {
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "injected", namespace: "monitoring" },
      spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }, {}] },
    };
    expect(openToTheWorld([...objects, wide])).toEqual([
      "monitoring/injected spec.egress[0] peer 0: 0.0.0.0/0",
      "monitoring/injected spec.egress[1] allows every destination",
    ]);
    expect(new NetworkModel([...objects, wide]).allows(ep("monitoring/alloy"), ep("outside"), 443)).toBe(true);
  });

  it("would notice a missing default-deny (control: without NetworkPolicies everything is open)", () => {
    const open = new NetworkModel(objects.filter(o => o.kind !== "NetworkPolicy"));
    expect(open.allows(ep("frontend/frontend"), ep("infra/pgbouncer"), 5432)).toBe(true);
    expect(open.allows(ep("ingress-nginx/ingress-nginx-controller"), ep("infra/postgresql"), 5432)).toBe(true);
  });
});
