import { decideAdmission } from "../../capabilities/engine/admission";
import { contextFromObjects } from "../../capabilities/engine/context";
import type { KubeObject } from "../../capabilities/k8s/object";
import { asWorkload, compliantPod, withSpec } from "../support/pods";

const ctx = contextFromObjects([], { level: "restricted", mutate: true });
const decidePodSecurity = (input: Parameters<typeof decideAdmission>[0]) => decideAdmission(input, ctx);

const privilegedPod = () =>
  withSpec(compliantPod("priv"), s => {
    s.containers[0].securityContext.privileged = true;
    s.containers[0].securityContext.readOnlyRootFilesystem = false;
    s.hostNetwork = true;
  });

describe("decideAdmission: pod security", () => {
  it("admits a bare pod, judging it as mutated", () => {
    const bare: KubeObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "b", namespace: "backend" },
      spec: { containers: [{ name: "a", image: "x:1" }] },
    };
    expect(decidePodSecurity({ object: bare, operation: "CREATE" }).allowed).toBe(true);
  });

  it("denies a privileged pod with every violation in one message", () => {
    const d = decidePodSecurity({ object: privilegedPod(), operation: "CREATE" });
    expect(d.allowed).toBe(false);
    expect(d.message).toMatch(/^Pod shop\/priv is denied by Bonsai guardrails, 3 violations: /);
    expect(d.message).toContain(
      '(3) [pod-hardening/readOnlyRootFilesystem] Containers must mount their root filesystem read-only (use emptyDir for writable paths): spec.containers[0].securityContext.readOnlyRootFilesystem (container "app") is false; allowed: true',
    );
    expect(d.message).toContain(
      "[pod-security-standards/hostNamespaces] Sharing the host network, PID and IPC namespaces is forbidden: spec.hostNetwork is true; allowed: false or unset",
    );
    expect(d.message).toContain(
      '(2) [pod-security-standards/privileged] Privileged containers are forbidden: spec.containers[0].securityContext.privileged (container "app") is true; allowed: false or unset',
    );
  });

  it("denies a Deployment with a bad template at the Deployment", () => {
    const d = decidePodSecurity({ object: asWorkload("Deployment", privilegedPod()), operation: "CREATE" });
    expect(d.allowed).toBe(false);
    expect(d.message).toContain("Deployment shop/w is denied");
    expect(d.message).toContain("spec.template.spec.containers[0].securityContext.privileged");
  });

  it("does not judge an update that leaves the pod template unchanged (scaling, labels)", () => {
    const old = asWorkload("Deployment", privilegedPod());
    const scaled = structuredClone(old);
    (scaled.spec as Record<string, unknown>).replicas = 5;
    scaled.metadata = { ...scaled.metadata, labels: { tier: "web" } };
    expect(decidePodSecurity({ object: scaled, oldObject: old, operation: "UPDATE" }).allowed).toBe(true);
  });

  it("judges an update that changes the template", () => {
    const old = asWorkload("Deployment", compliantPod());
    const changed = asWorkload("Deployment", privilegedPod());
    expect(decidePodSecurity({ object: changed, oldObject: old, operation: "UPDATE" }).allowed).toBe(false);
  });

  it("admits kinds without a pod template", () => {
    const svc: KubeObject = { apiVersion: "v1", kind: "Service", metadata: { name: "s" }, spec: { type: "ClusterIP" } };
    expect(decidePodSecurity({ object: svc, operation: "CREATE" }).allowed).toBe(true);
  });
});
