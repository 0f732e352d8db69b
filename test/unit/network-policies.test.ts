import { networkFlows } from "../../capabilities/policies/network/network-flows";
import { defaultDenyDeletion, NAMESPACE_CONTROLLER } from "../../capabilities/policies/network/default-deny";
import { serviceType } from "../../capabilities/policies/services/service-type";
import { contextFromObjects } from "../../capabilities/engine/context";
import { guardrailObjectsFor } from "../../capabilities/config/namespace-guardrails";
import type { KubeObject } from "../../capabilities/k8s/object";

const ctx = contextFromObjects([], { level: "restricted", mutate: false });
const netpol = (namespace: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name: "np", namespace },
  spec: { podSelector: {}, ...spec },
});
const ns = (name: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });
const verdict = (obj: KubeObject) => networkFlows.evaluate(obj, ctx);

describe("network-flows", () => {
  it("accepts the module's own default-deny and DNS egress in every app namespace", () => {
    for (const n of ["frontend", "backend", "infra", "monitoring"]) {
      for (const obj of guardrailObjectsFor(n).filter(o => o.kind === "NetworkPolicy"))
        expect(verdict(obj).map(r => r.result)).toEqual(["pass"]);
    }
  });

  it.each([
    ["frontend", { ingress: [{ from: [ns("ingress-nginx")] }], egress: [{ to: [ns("backend")] }] }],
    ["backend", { ingress: [{ from: [ns("frontend"), ns("ingress-nginx")] }], egress: [{ to: [ns("infra")] }] }],
    [
      "infra",
      {
        ingress: [{ from: [ns("backend")] }, { from: [{ podSelector: {} }] }],
        egress: [{ to: [{ podSelector: {} }] }],
      },
    ],
    ["monitoring", { egress: [{ to: [{ ipBlock: { cidr: "172.18.0.0/16" } }], ports: [{ port: 6443 }] }] }],
    ["monitoring", { egress: [{ to: [{ ipBlock: { cidr: "10.43.0.1/32" } }], ports: [{ port: 443 }] }] }],
    ["frontend", { egress: [{ to: [{ namespaceSelector: {} }], ports: [{ port: 53, protocol: "UDP" }] }] }],
  ])("allows the seed's flow in %s", (n, spec) => {
    expect(verdict(netpol(n, spec)).map(r => r.message)).toEqual([expect.stringContaining("within the allowed flows")]);
  });

  it.each([
    [
      "frontend",
      { ingress: [{ from: [{ namespaceSelector: {} }] }] },
      "ingress-sources",
      "namespaceSelector is {} (every namespace)",
    ],
    ["frontend", { ingress: [{}] }, "ingress-sources", "spec.ingress[0].from is unset, which admits every source"],
    ["frontend", { ingress: [{ from: [ns("infra")] }] }, "ingress-sources", 'admits namespace "infra"'],
    [
      "backend",
      { ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }] },
      "ingress-sources",
      "ipBlock admits 0.0.0.0/0",
    ],
    [
      "frontend",
      { egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }] },
      "egress-destinations",
      "ipBlock allows 0.0.0.0/0 on every port",
    ],
    ["backend", { egress: [{}] }, "egress-destinations", "spec.egress[0].to is unset, which allows every destination"],
    ["infra", { egress: [{}] }, "egress-destinations", "spec.egress[0].to is unset, which allows every destination"],
    [
      "monitoring",
      { egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: 6443 }] }] },
      "egress-destinations",
      "ipBlock allows 0.0.0.0/0 on ports 6443",
    ],
    [
      "monitoring",
      { egress: [{ to: [{ ipBlock: { cidr: "172.18.0.0/16" } }], ports: [{ port: 443 }] }] },
      "egress-destinations",
      "the addresses 172.16.0.0/12 port 6443, 10.43.0.1/32 port 443",
    ],
    ["frontend", { egress: [{ to: [ns("infra")] }] }, "egress-destinations", 'allows namespace "infra"'],
    [
      "backend",
      { ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "x" } } }] }] },
      "ingress-sources",
      'select namespaces by the "kubernetes.io/metadata.name" label',
    ],
  ])("refuses a too-open policy in %s (%#)", (n, spec, rule, fragment) => {
    const fails = verdict(netpol(n, spec)).filter(r => r.result === "fail");
    expect(fails.map(r => r.rule)).toContain(rule);
    expect(fails.map(r => r.message).join("\n")).toContain(fragment);
    expect(fails[0].message).toContain("allowed");
  });

  it("leaves namespaces outside the platform alone", () => {
    expect(verdict(netpol("sandbox", { ingress: [{}] }))).toEqual([]);
  });
});

describe("default-deny deletion", () => {
  const defaultDeny = guardrailObjectsFor("backend").find(o => o.metadata?.name === "default-deny")!;
  it("is refused with a message that names the object and the alternative", () => {
    const msg = defaultDenyDeletion(defaultDeny, "alice");
    expect(msg).toContain("NetworkPolicy backend/default-deny is denied deletion");
    expect(msg).toContain("additional NetworkPolicies");
  });
  it("is allowed for the namespace controller (namespace deletion) and for other policies", () => {
    expect(defaultDenyDeletion(defaultDeny, NAMESPACE_CONTROLLER)).toBeUndefined();
    expect(
      defaultDenyDeletion({ ...defaultDeny, metadata: { name: "other", namespace: "backend" } }, "alice"),
    ).toBeUndefined();
    expect(
      defaultDenyDeletion({ ...defaultDeny, metadata: { name: "default-deny", namespace: "sandbox" } }, "alice"),
    ).toBeUndefined();
  });
});

describe("service-type", () => {
  const svc = (spec: Record<string, unknown>): KubeObject => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "s", namespace: "backend" },
    spec,
  });
  it.each([[{}], [{ type: "ClusterIP" }], [{ clusterIP: "None" }]])("allows %p", spec =>
    expect(serviceType.evaluate(svc(spec), ctx).map(r => r.result)).toEqual(["pass"]),
  );
  it.each([
    [{ type: "NodePort" }, "no-nodeport", 'spec.type is "NodePort"'],
    [{ type: "ExternalName", externalName: "x.example" }, "no-externalname", 'spec.type is "ExternalName"'],
    [{ type: "LoadBalancer" }, "loadbalancer", "declare an Exemption for policy service-type, rule loadbalancer"],
    [{ externalIPs: ["1.2.3.4"] }, "no-external-ips", 'spec.externalIPs is ["1.2.3.4"]'],
  ])("refuses %p", (spec, rule, fragment) => {
    const [r] = serviceType.evaluate(svc(spec), ctx);
    expect(r).toMatchObject({ result: "fail", rule });
    expect(r.message).toContain(fragment);
  });
});
