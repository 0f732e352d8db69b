import type { KubeObject } from "../../capabilities/k8s/object";
import { platformObjects, renderPlatform } from "../../lib/render";
import { REPO } from "./rendered";

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  operations?: string[];
}

const matchesPodCreation = (r: Rule) =>
  (r.apiGroups ?? []).some(g => g === "" || g === "*") &&
  (r.resources ?? []).some(x => x === "pods" || x === "*" || x === "*/*") &&
  (r.operations ?? []).some(o => o === "CREATE" || o === "*");

const mutatingPodRules = (o: KubeObject): string[] => {
  if (o.kind === "MutatingWebhookConfiguration") {
    const hooks = (o as { webhooks?: { name: string; rules?: Rule[] }[] }).webhooks ?? [];
    return hooks.filter(w => (w.rules ?? []).some(matchesPodCreation)).map(w => `${o.metadata?.name}: ${w.name}`);
  }
  if (o.kind === "MutatingAdmissionPolicy") {
    const rules = (o as { spec?: { matchConstraints?: { resourceRules?: Rule[] } } }).spec?.matchConstraints
      ?.resourceRules;
    return (rules ?? []).some(matchesPodCreation) ? [`${o.metadata?.name}`] : [];
  }
  return [];
};

// The guardrails judge a new Pod inside their mutating call (capabilities/pod-security.ts). Another mutating
// webhook or policy on Pods could change the pod after that call, unseen by the guardrails (only the namespaces'
// PodSecurity labels would judge the final object): so the platform must not bring one.
describe.each(["local", "multi-node"])("only the guardrails mutate new Pods: cluster %s", cluster => {
  const objects = platformObjects(renderPlatform(REPO, cluster));

  it("no MutatingWebhookConfiguration or MutatingAdmissionPolicy in the tree matches Pod creation", () => {
    expect(objects.flatMap(mutatingPodRules)).toEqual([]);
  });
});

describe("the check of the mutating webhooks", () => {
  it("looks at something: the multi-node cluster has CloudNativePG's mutating webhooks", () => {
    const objects = platformObjects(renderPlatform(REPO, "multi-node"));
    expect(objects.filter(o => o.kind === "MutatingWebhookConfiguration").map(o => o.metadata?.name)).toContain(
      "cnpg-mutating-webhook-configuration",
    );
  });

  it("sees a webhook on Pods", () => {
    const webhook = {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "MutatingWebhookConfiguration",
      metadata: { name: "sidecar-injector" },
      webhooks: [{ name: "inject.example.com", rules: [{ apiGroups: [""], resources: ["pods"], operations: ["*"] }] }],
    } as unknown as KubeObject;
    expect(mutatingPodRules(webhook)).toEqual(["sidecar-injector: inject.example.com"]);
  });
});
