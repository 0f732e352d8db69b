import { KubeObject, list, record, show } from "../../k8s/object";
import { Failure, Policy, verdicts } from "../../engine/policy";
import { resourceRef } from "../../engine/result";

/**
 * Services stay inside the cluster: ClusterIP (headless included). Traffic enters through the ingress
 * controller, whose LoadBalancer Service is the one declared exemption.
 */
export const serviceType: Policy = {
  name: "service-type",
  category: "Network",
  description: "ClusterIP Services only; no NodePort, ExternalName or externalIPs; LoadBalancer only by exemption",
  mode: "enforce",
  kinds: ["Service"],
  rules: [
    { id: "no-nodeport", title: "Services are not of type NodePort (or any type but ClusterIP)", severity: "high" },
    { id: "no-externalname", title: "Services are not of type ExternalName", severity: "high" },
    {
      id: "loadbalancer",
      title: "Services are not of type LoadBalancer, unless an Exemption allows it",
      severity: "high",
    },
    { id: "no-external-ips", title: "Services set no externalIPs", severity: "high" },
  ],
  evaluate: (obj: KubeObject) => {
    const spec = record(obj.spec) ?? {};
    const type = spec.type ?? "ClusterIP";
    const failures: Failure[] = [];
    const allowed = 'allowed: "ClusterIP" (expose through an Ingress)';
    if (type === "NodePort")
      failures.push({
        rule: "no-nodeport",
        fields: ["spec.type"],
        message: `spec.type is "NodePort"; ${allowed}`,
      });
    else if (type === "ExternalName")
      failures.push({
        rule: "no-externalname",
        fields: ["spec.type"],
        message: `spec.type is "ExternalName"; ${allowed}`,
      });
    else if (type === "LoadBalancer")
      failures.push({
        rule: "loadbalancer",
        fields: ["spec.type"],
        message: `spec.type is "LoadBalancer"; ${allowed}, or declare an Exemption for policy service-type, rule loadbalancer`,
      });
    else if (type !== "ClusterIP")
      failures.push({
        rule: "no-nodeport",
        fields: ["spec.type"],
        message: `spec.type is ${show(type)}; ${allowed}`,
      });
    if (list(spec.externalIPs).length)
      failures.push({
        rule: "no-external-ips",
        fields: ["spec.externalIPs"],
        message: `spec.externalIPs is ${show(spec.externalIPs)}; allowed: unset (externalIPs let a Service capture any address's traffic)`,
      });
    return verdicts(serviceType, resourceRef(obj), failures, "ClusterIP Service");
  },
};
