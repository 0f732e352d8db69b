import { NetworkModel, workloadEndpoints, Endpoint } from "../../tools/netpol";
import { renderedPlatform } from "./rendered";

// Who may reach whom, computed from the rendered NetworkPolicies and compared with the seed's flows
// (architecture.ko.md "Network Policies"; monitoring's flows are ours, docs/guardrails.md).
const objects = renderedPlatform();
const model = new NetworkModel(objects);
const w = workloadEndpoints(objects);
const ep = (id: string): Endpoint => {
  const e = w.get(id);
  if (!e) throw new Error(`no workload ${id}; have ${[...w.keys()].join(", ")}`);
  return e;
};
const dns: Endpoint = { id: "kube-dns", namespace: "kube-system", labels: { "k8s-app": "kube-dns" }, ip: "10.42.0.2" };
const apiServer: Endpoint = { id: "api-server", labels: {}, ip: "172.18.0.2" };
const internet: Endpoint = { id: "internet", labels: {}, ip: "203.0.113.10" };

const ingress = "ingress-nginx/ingress-nginx-controller";
const matrix: [string | Endpoint, string | Endpoint, number, boolean][] = [
  // through the ingress controller
  [ingress, "frontend/frontend", 8080, true],
  [ingress, "backend/backend", 8080, true],
  [ingress, "infra/kafka-ui", 8080, true],
  [ingress, "infra/pgadmin", 8080, true],
  [ingress, "monitoring/grafana", 3000, true],
  // frontend: egress only to backend + DNS
  ["frontend/frontend", "backend/backend", 8080, true],
  ["frontend/frontend", dns, 53, true],
  ["frontend/frontend", "infra/pgbouncer", 5432, false],
  ["frontend/frontend", "infra/kafka", 9092, false],
  ["frontend/frontend", "monitoring/loki", 3100, false],
  ["frontend/frontend", internet, 443, false],
  ["frontend/frontend", apiServer, 6443, false],
  // backend: from frontend + ingress, to infra + DNS
  ["backend/backend", "infra/pgbouncer", 5432, true],
  ["backend/backend", "infra/kafka", 9092, true],
  ["backend/backend", dns, 53, true],
  ["backend/backend", "frontend/frontend", 8080, false],
  ["backend/backend", "monitoring/grafana", 3000, false],
  ["backend/backend", internet, 443, false],
  // infra: from backend + ingress, egress unrestricted, and within itself
  ["infra/pgbouncer", "infra/postgresql", 5432, true],
  ["infra/kafka-ui", "infra/kafka", 9092, true],
  ["infra/kafka", internet, 443, true],
  ["infra/pgbouncer", "frontend/frontend", 8080, false],
  ["infra/kafka", "backend/backend", 8080, false],
  ["monitoring/grafana", "infra/postgresql", 5432, false],
  // monitoring: collector -> Loki, Grafana -> Loki, collector -> API server; nothing else out
  ["monitoring/alloy", "monitoring/loki", 3100, true],
  ["monitoring/grafana", "monitoring/loki", 3100, true],
  ["monitoring/alloy", apiServer, 6443, true],
  ["monitoring/alloy", internet, 80, false],
  ["monitoring/grafana", "backend/backend", 8080, false],
  ["backend/backend", "monitoring/loki", 3100, false],
];

describe("NetworkPolicy connectivity of the rendered platform", () => {
  it.each(
    matrix.map(
      ([a, b, port, allowed]) =>
        [typeof a === "string" ? a : a.id, typeof b === "string" ? b : b.id, port, allowed, a, b] as const,
    ),
  )("%s -> %s:%d allowed=%s", (_a, _b, port, allowed, from, to) => {
    const src = typeof from === "string" ? ep(from) : from;
    const dst = typeof to === "string" ? ep(to) : to;
    expect(model.allows(src, dst, port)).toBe(allowed);
  });

  it("would notice a missing default-deny (control: without NetworkPolicies everything is open)", () => {
    const open = new NetworkModel(objects.filter(o => o.kind !== "NetworkPolicy"));
    expect(open.allows(ep("frontend/frontend"), ep("infra/pgbouncer"), 5432)).toBe(true);
  });
});
