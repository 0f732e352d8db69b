import type { KubeObject } from "../../capabilities/k8s/object";
import { INGRESS_NAMESPACE } from "../../capabilities/config/platform";
import { find, renderedPlatform } from "./rendered";

// The ingress controller's flags and its RBAC must agree: what it watches is exactly what it may read.
const objects = renderedPlatform();
const deployment = find(objects, "Deployment", INGRESS_NAMESPACE, "ingress-nginx-controller")!;
const args = (
  deployment.spec as { template: { spec: { containers: { name: string; args: string[] }[] } } }
).template.spec.containers.find(c => c.name === "controller")!.args;
const flag = (name: string) => args.find(a => a.startsWith(`-${name}=`))?.slice(name.length + 2);
const subjects = (b: KubeObject) => (b.subjects as { kind: string; name: string; namespace: string }[]) ?? [];
const boundToController = (b: KubeObject) =>
  subjects(b).some(s => s.kind === "ServiceAccount" && s.name === "ingress-nginx" && s.namespace === INGRESS_NAMESPACE);

describe("the ingress controller's watch scope and RBAC", () => {
  const ingressNamespaces = [
    ...new Set(objects.filter(o => o.kind === "Ingress").map(o => String(o.metadata?.namespace))),
  ];
  const watched = flag("watch-namespace")!.split(",");

  it("watches its own namespace and every namespace that holds an Ingress, and no other", () => {
    expect([...watched].sort()).toEqual([INGRESS_NAMESPACE, ...ingressNamespaces].sort());
  });

  it("reads Secrets only in its own namespace; Ingress TLS names no Secret and uses the wildcard one", () => {
    expect(flag("watch-secret-namespace")).toBe("$(POD_NAMESPACE)");
    expect(flag("wildcard-tls-secret")).toBe("$(POD_NAMESPACE)/bonsai-local-tls");
    const named = objects
      .filter(o => o.kind === "Ingress")
      .flatMap(o => ((o.spec as { tls?: { secretName?: string }[] }).tls ?? []).filter(t => t.secretName))
      .map(t => t.secretName);
    expect(named).toEqual([]);
    const secretGrants = objects
      .filter(o => (o.kind === "Role" || o.kind === "ClusterRole") && /ingress-nginx/.test(String(o.metadata?.name)))
      .filter(o => ((o.rules as { resources?: string[] }[]) ?? []).some(r => r.resources?.includes("secrets")))
      .map(o => `${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name}`);
    expect(secretGrants).toEqual([`Role ${INGRESS_NAMESPACE}/ingress-nginx`]);
  });

  it("has the per-namespace grants in exactly the watched namespaces (RoleBindings, no ClusterRoleBinding)", () => {
    const bindings = objects.filter(
      o =>
        o.kind === "RoleBinding" &&
        boundToController(o) &&
        (o.roleRef as { name: string }).name === "ingress-nginx-backends",
    );
    expect(bindings.map(b => String(b.metadata?.namespace)).sort()).toEqual([...watched].sort());
    const clusterWide = objects.filter(o => o.kind === "ClusterRoleBinding" && boundToController(o));
    expect(clusterWide.map(b => (b.roleRef as { name: string }).name)).toEqual(["ingress-nginx"]);
    const cr = find(objects, "ClusterRole", undefined, "ingress-nginx")!;
    const nsRule = (cr.rules as { resources: string[]; resourceNames?: string[] }[]).find(r =>
      r.resources.includes("namespaces"),
    )!;
    expect([...(nsRule.resourceNames ?? [])].sort()).toEqual([...watched].sort());
  });

  it("sends no telemetry to the vendor", () => {
    expect(flag("enable-telemetry-reporting")).toBe("false");
  });
});
