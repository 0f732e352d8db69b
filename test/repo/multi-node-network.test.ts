import type { KubeObject } from "../../capabilities/k8s/object";
import { list, record } from "../../capabilities/k8s/object";
import { platformObjects, renderPlatform } from "../../lib/render";
import { cnpgOperatorObjects } from "../../tools/cnpg";
import { Endpoint, NetworkModel, workloadEndpoints } from "../../tools/netpol";
import { REPO, renderedPlatform } from "./rendered";

// Three nodes change no flow between the platform's namespaces: the reachability of every pair of workloads,
// on every port any of them listens on, is the single node's. The only additions are CloudNativePG's: its
// operator reaches the database pods' status port, the API server reaches its webhooks.
const single = renderedPlatform();
const multi = platformObjects(renderPlatform(REPO, "multi-node"), { withModule: true });
const cluster = multi.find(o => o.kind === "Cluster" && o.metadata?.name === "postgresql-ha")!;

/** The database pods as CloudNativePG builds them (labels and ports from the operator's own code). */
function cnpgEndpoint(objects: KubeObject[]): Endpoint {
  const pod = objects.find(o => o.kind === "Pod")!;
  const namedPorts: Record<string, number> = {};
  for (const c of list(record(pod.spec)?.containers))
    for (const p of list(record(c)?.ports)) namedPorts[String(record(p)?.name)] = Number(record(p)?.containerPort);
  return {
    id: "infra/postgresql-ha",
    namespace: "infra",
    labels: (pod.metadata?.labels ?? {}) as Record<string, string>,
    namedPorts,
    ip: "10.42.1.10",
  };
}

const dns: Endpoint = { id: "kube-dns", namespace: "kube-system", labels: { "k8s-app": "kube-dns" }, ip: "10.42.0.2" };
// The API server as pods reach it: k3s's address after kube-proxy's DNAT, and its Service address.
const apiServer: Endpoint = { id: "api-server", labels: {}, ip: "172.18.0.2" };
const apiService: Endpoint = { id: "api-service", labels: {}, ip: "10.43.0.1" };
const internet: Endpoint = { id: "internet", labels: {}, ip: "203.0.113.10" };
const OPERATOR = "cnpg-system/cnpg-controller-manager";

let singleEps: Map<string, Endpoint>;
let multiEps: Map<string, Endpoint>;
let ports: number[];

beforeAll(
  () => {
    singleEps = workloadEndpoints(single);
    multiEps = workloadEndpoints(multi);
    multiEps.set("infra/postgresql-ha", cnpgEndpoint(cnpgOperatorObjects(cluster)));
    for (const e of [dns, apiServer, apiService, internet]) {
      singleEps.set(e.id, e);
      multiEps.set(e.id, e);
    }
    ports = [
      ...new Set([
        53,
        443,
        6443,
        ...[...singleEps.values(), ...multiEps.values()].flatMap(e => Object.values(e.namedPorts ?? {})),
      ]),
    ].sort((a, b) => a - b);
  },
  30 * 60 * 1000,
);

/** The single node's PostgreSQL is the three nodes' CloudNativePG cluster. */
const counterpart = (id: string) => (id === "infra/postgresql" ? "infra/postgresql-ha" : id);

function flows(model: NetworkModel, eps: Map<string, Endpoint>, ids: string[]): Set<string> {
  const out = new Set<string>();
  for (const a of ids)
    for (const b of ids)
      for (const port of ports)
        if (a !== b && model.allows(eps.get(a)!, eps.get(b)!, port)) out.add(`${a} -> ${b}:${port}`);
  return out;
}

describe("NetworkPolicy reachability on three nodes", () => {
  it("is the single node's between every pair of the platform's workloads", () => {
    const ids = [...singleEps.keys()];
    expect(ids.filter(id => !multiEps.has(counterpart(id)))).toEqual([]);
    const before = [...flows(new NetworkModel(single), singleEps, ids)].map(f =>
      f.replace(/infra\/postgresql(?=[ :])/g, "infra/postgresql-ha"),
    );
    // The database instances' managers reaching the API server are CloudNativePG's (next test).
    const after = [...flows(new NetworkModel(multi), multiEps, ids.map(counterpart))].filter(
      f => !/^infra\/postgresql-ha -> api-(server|service):/.test(f),
    );
    expect(before.length).toBeGreaterThan(20);
    expect(after.sort()).toEqual(before.sort());
  });

  it("adds only CloudNativePG's flows", () => {
    const ids = [...multiEps.keys()];
    const model = new NetworkModel(multi);
    const all = [...flows(model, multiEps, ids)];
    const touching = all.filter(f => f.includes(OPERATOR) || f.endsWith("postgresql-ha:8000"));
    // The instances' managers reach the API server at its two addresses, on its two ports, nowhere else new.
    expect(all.filter(f => /^infra\/postgresql-ha -> api-/.test(f)).sort()).toEqual([
      "infra/postgresql-ha -> api-server:6443",
      "infra/postgresql-ha -> api-service:443",
    ]);
    const fromOperator = touching.filter(f => f.startsWith(OPERATOR));
    // Out: the API server (its two addresses, platform.ts API_SERVER), DNS and the database's status port.
    expect(fromOperator.sort()).toEqual(
      [
        `${OPERATOR} -> api-server:6443`,
        `${OPERATOR} -> api-service:443`,
        `${OPERATOR} -> infra/postgresql-ha:8000`,
        `${OPERATOR} -> kube-dns:53`,
      ].sort(),
    );
    // Into the operator: only its webhook port, and only from where egress is open anyway (infra, the API server's address).
    expect(touching.filter(f => f.includes(`-> ${OPERATOR}:`) && !f.endsWith(":9443"))).toEqual([]);
    // The database's status port: whoever the seed already lets into infra (namespace-wide, any port), plus
    // the operator; nobody else.
    const seedIntoInfra = [...flows(new NetworkModel(single), singleEps, [...singleEps.keys()])]
      .filter(f => f.endsWith("infra/postgresql:8000"))
      .map(f => f.split(" -> ")[0]);
    expect(
      touching
        .filter(f => f.endsWith("postgresql-ha:8000"))
        .map(f => f.split(" -> ")[0])
        .sort(),
    ).toEqual([...seedIntoInfra, OPERATOR].sort());
  });

  it("would notice a changed flow (control: without the overlay's operator policy the status port is closed)", () => {
    const model = new NetworkModel(multi.filter(o => o.metadata?.name !== "allow-from-cnpg-operator"));
    expect(model.allows(multiEps.get(OPERATOR)!, multiEps.get("infra/postgresql-ha")!, 8000)).toBe(false);
  });
});
