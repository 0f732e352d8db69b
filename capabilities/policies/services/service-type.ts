import { KubeObject, list, record, show } from "../../k8s/object";
import { Policy, verdicts } from "../../engine/policy";
import { resourceRef } from "../../engine/result";

/**
 * Services stay inside the cluster: ClusterIP (headless included). Traffic enters through the ingress
 * controller, whose LoadBalancer Service is the one declared exemption.
 */
export const serviceType: Policy = {
  name: "service-type",
  category: "Network",
  description: "ClusterIP Services only; no NodePort, ExternalName or externalIPs; LoadBalancer only by exemption",
  kinds: ["Service"],
  rules: ["no-nodeport", "no-externalname", "loadbalancer", "no-external-ips", "all"],
  evaluate: (obj: KubeObject) => {
    const spec = record(obj.spec) ?? {};
    const type = spec.type ?? "ClusterIP";
    const failures = [];
    const allowed = 'allowed: "ClusterIP" (expose through an Ingress)';
    if (type === "NodePort")
      failures.push({
        rule: "no-nodeport",
        severity: "high" as const,
        fields: ["spec.type"],
        message: `spec.type is "NodePort"; ${allowed}`,
      });
    else if (type === "ExternalName")
      failures.push({
        rule: "no-externalname",
        severity: "high" as const,
        fields: ["spec.type"],
        message: `spec.type is "ExternalName"; ${allowed}`,
      });
    else if (type === "LoadBalancer")
      failures.push({
        rule: "loadbalancer",
        severity: "high" as const,
        fields: ["spec.type"],
        message: `spec.type is "LoadBalancer"; ${allowed}, or declare an Exemption for policy service-type, rule loadbalancer`,
      });
    else if (type !== "ClusterIP")
      failures.push({
        rule: "no-nodeport",
        severity: "high" as const,
        fields: ["spec.type"],
        message: `spec.type is ${show(type)}; ${allowed}`,
      });
    if (list(spec.externalIPs).length)
      failures.push({
        rule: "no-external-ips",
        severity: "high" as const,
        fields: ["spec.externalIPs"],
        message: `spec.externalIPs is ${show(spec.externalIPs)}; allowed: unset (externalIPs let a Service capture any address's traffic)`,
      });
    return verdicts(serviceType, resourceRef(obj), failures, "ClusterIP Service");
  },
};
