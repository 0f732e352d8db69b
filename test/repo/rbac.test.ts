import { rbacGrants } from "../../capabilities/policies/rbac/rbac-grants";
import type { KubeObject } from "../../capabilities/k8s/object";
import { renderedPlatform } from "./rendered";

/**
 * Every Role and ClusterRole the platform installs, judged by the rbac-grants policy. An entry here is the
 * only way through, and says why; none is needed today.
 */
const ALLOW: { kind: string; name: string; rule: string; reason: string }[] = [];

const roles = (objects: KubeObject[]) => objects.filter(o => o.kind === "Role" || o.kind === "ClusterRole");
const id = (o: KubeObject) => `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name}`;

function violations(objects: KubeObject[]): string[] {
  return roles(objects).flatMap(role =>
    rbacGrants
      .evaluate(role, undefined as never)
      .filter(r => r.result === "fail")
      .filter(r => !ALLOW.some(a => a.kind === role.kind && a.name === role.metadata?.name && a.rule === r.rule))
      .map(r => `${id(role)}: [${r.rule}] ${r.message}`),
  );
}

describe("RBAC of the rendered platform", () => {
  const objects = renderedPlatform();

  it("lists the roles it judges (the ingress controller's among them)", () => {
    expect(roles(objects).map(id)).toEqual(
      expect.arrayContaining([
        "ClusterRole ingress-nginx",
        "ClusterRole ingress-nginx-backends",
        "Role ingress-nginx/ingress-nginx",
      ]),
    );
  });

  it("grants no wildcard, cluster-wide Secret read, escalate/bind/impersonate, pods/exec or nodes/proxy", () => {
    expect(violations(objects)).toEqual([]);
  });

  it("fails when a wide grant is added (the ingress controller's old ClusterRole, and each rule once)", () => {
    const wide: KubeObject = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "injected" },
      rules: [
        { apiGroups: [""], resources: ["services", "secrets"], verbs: ["get", "list", "watch"] },
        { apiGroups: ["*"], resources: ["deployments"], verbs: ["get"] },
        { apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], verbs: ["bind", "escalate"] },
        { apiGroups: [""], resources: ["pods/exec", "nodes/proxy"], verbs: ["create", "get"] },
      ],
    };
    expect(violations([...objects, wide])).toEqual([
      expect.stringMatching(
        /^ClusterRole injected: \[no-cluster-secret-reads\] rules\[0\] lets a ClusterRole get\/list\/watch Secrets/,
      ),
      expect.stringMatching(/^ClusterRole injected: \[no-wildcards\] rules\[1\]\.apiGroups is \["\*"\]/),
      expect.stringMatching(
        /^ClusterRole injected: \[no-privilege-escalation\] rules\[2\]\.verbs contains "bind", "escalate"/,
      ),
      expect.stringMatching(
        /^ClusterRole injected: \[no-exec-or-node-proxy\] rules\[3\]\.resources contains "pods\/exec", "nodes\/proxy"/,
      ),
    ]);
    // A Role may read the Secrets of its own namespace: that is the least-privilege shape, not a violation.
    const role = {
      ...wide,
      kind: "Role",
      metadata: { name: "r", namespace: "ingress-nginx" },
      rules: [wide.rules as unknown[]][0].slice(0, 1),
    };
    expect(violations([role as KubeObject])).toEqual([]);
  });
});
