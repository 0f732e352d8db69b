import {
  applySecureDefaults,
  SECURE_DEFAULTS,
  withSecureDefaults,
} from "../../capabilities/policies/pod-security/mutate";
import { podSecurityResults } from "./pod-security-results";
import type { KubeObject } from "../../capabilities/k8s/object";
import { asWorkload, expectSecureDefaults } from "../support/pods";

const bare = (): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "bare" },
  spec: {
    containers: [{ name: "app", image: "nginx:1.27" }],
    initContainers: [{ name: "init", image: "busybox:1.37" }],
  },
});

describe("applySecureDefaults", () => {
  it("fills every missing field of a bare pod with the platform defaults", () => {
    const pod = bare();
    applySecureDefaults(pod);
    expectSecureDefaults(pod.spec as Record<string, any>);
  });

  it("makes a bare pod pass restricted and the hardening rules", () => {
    const pod = bare();
    applySecureDefaults(pod);
    expect(podSecurityResults(pod, { level: "restricted" }).filter(r => r.result !== "pass")).toEqual([]);
  });

  it("reports each field it set, with its path", () => {
    const changes = applySecureDefaults(bare());
    expect(changes).toContainEqual({ path: "spec.securityContext.runAsUser", value: 1000 });
    expect(changes).toContainEqual({ path: "spec.containers[0].securityContext.capabilities.drop", value: ["ALL"] });
    expect(changes).toContainEqual({
      path: "spec.initContainers[0].securityContext.readOnlyRootFilesystem",
      value: true,
    });
    expect(changes.some(c => c.path === "spec.securityContext")).toBe(false);
  });

  it("never overwrites an explicit value, even a wrong one", () => {
    const pod = bare();
    const spec = pod.spec as Record<string, any>;
    spec.securityContext = { runAsUser: 0, runAsNonRoot: false, fsGroup: 2000, seccompProfile: { type: "Unconfined" } };
    spec.containers[0].securityContext = {
      readOnlyRootFilesystem: false,
      allowPrivilegeEscalation: true,
      capabilities: { drop: [] },
    };
    const before = structuredClone(pod);
    applySecureDefaults(pod);
    expect(spec.securityContext).toEqual((before.spec as Record<string, any>).securityContext);
    expect(spec.containers[0].securityContext).toEqual(
      (before.spec as Record<string, any>).containers[0].securityContext,
    );
  });

  it("is idempotent", () => {
    const pod = bare();
    applySecureDefaults(pod);
    const once = structuredClone(pod);
    expect(applySecureDefaults(pod)).toEqual([]);
    expect(pod).toEqual(once);
  });

  it("does not set allowPrivilegeEscalation=false where the API server would refuse it", () => {
    const pod = bare();
    const spec = pod.spec as Record<string, any>;
    spec.containers[0].securityContext = { privileged: true };
    spec.initContainers[0].securityContext = { capabilities: { add: ["SYS_ADMIN"] } };
    applySecureDefaults(pod);
    expect(spec.containers[0].securityContext.allowPrivilegeEscalation).toBeUndefined();
    expect(spec.initContainers[0].securityContext.allowPrivilegeEscalation).toBeUndefined();
    expect(spec.initContainers[0].securityContext.capabilities).toEqual({ add: ["SYS_ADMIN"], drop: ["ALL"] });
  });

  it("sets only runAsNonRoot on Windows pods (Linux fields are invalid there)", () => {
    const pod = bare();
    (pod.spec as Record<string, any>).os = { name: "windows" };
    applySecureDefaults(pod);
    const spec = pod.spec as Record<string, any>;
    expect(spec.securityContext).toEqual({ runAsNonRoot: true });
    expect(spec.containers[0].securityContext).toBeUndefined();
  });

  it("leaves a malformed securityContext for validation to report", () => {
    const pod = bare();
    (pod.spec as Record<string, any>).securityContext = "oops";
    expect(() => applySecureDefaults(pod)).not.toThrow();
    expect((pod.spec as Record<string, any>).securityContext).toBe("oops");
  });

  it("mutates the pod template of workloads, and nothing for other kinds", () => {
    const deployment = asWorkload("Deployment", bare());
    applySecureDefaults(deployment);
    const template = (deployment.spec as Record<string, any>).template;
    expect(template.spec.securityContext.runAsUser).toBe(SECURE_DEFAULTS.runAsUser);
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: {} };
    expect(applySecureDefaults(cm)).toEqual([]);
    expect(cm).toEqual({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: {} });
  });
});

describe("withSecureDefaults", () => {
  it("returns the mutated object without touching the original, sharing what the mutation never writes", () => {
    const pod = bare();
    (pod.spec as Record<string, any>).containers[0].env = [{ name: "A", value: "1" }];
    const before = structuredClone(pod);
    const after = withSecureDefaults(pod);
    expect(pod).toEqual(before);
    const copy = structuredClone(pod);
    applySecureDefaults(copy);
    expect(after).toEqual(copy);
    expect((after.spec as Record<string, any>).containers[0].env).toBe(
      (pod.spec as Record<string, any>).containers[0].env,
    );
  });

  it("copies the template path of workloads, leaving the original workload unchanged", () => {
    const deployment = asWorkload("Deployment", bare());
    const before = structuredClone(deployment);
    const after = withSecureDefaults(deployment);
    expect(deployment).toEqual(before);
    expect((after.spec as Record<string, any>).template.spec.securityContext.runAsUser).toBe(1000);
  });
});
