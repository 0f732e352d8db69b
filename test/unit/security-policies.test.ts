import { decideAdmission } from "../../capabilities/engine/admission";
import { contextFromObjects } from "../../capabilities/engine/context";
import { evaluateObject } from "../../capabilities/engine/engine";
import { workloadHygiene } from "../../capabilities/policies/workloads/workload-hygiene";
import { gitopsIdentities, namespaceLabelChanges } from "../../capabilities/policies/namespaces/namespace-labels";
import type { KubeObject } from "../../capabilities/k8s/object";
import { asWorkload, compliantPod, withSpec } from "../support/pods";

const ctx = (objects: KubeObject[] = []) => contextFromObjects(objects, { level: "restricted", mutate: false });
const hygiene = (obj: KubeObject, objects: KubeObject[] = []) =>
  workloadHygiene.evaluate(obj, ctx(objects)).filter(r => r.result === "fail");

/** compliantPod plus everything workload-hygiene asks for. */
function hygienicPod(): KubeObject {
  // compliantPod is hygienic already; the table below breaks one habit at a time.
  return withSpec(compliantPod(), s => {
    s.automountServiceAccountToken = false;
    for (const c of [...s.containers, ...s.initContainers]) {
      c.resources.requests["ephemeral-storage"] = "16Mi";
      c.resources.limits["ephemeral-storage"] = "64Mi";
    }
    s.containers[0].livenessProbe = { httpGet: { path: "/", port: 8080 } };
    s.volumes[0].emptyDir = { sizeLimit: "16Mi" };
  });
}

describe("workload-hygiene", () => {
  it("passes a hygienic pod and each workload kind carrying it", () => {
    expect(hygiene(hygienicPod())).toEqual([]);
    for (const kind of ["Deployment", "DaemonSet", "Job", "CronJob"])
      expect(hygiene(asWorkload(kind, hygienicPod()))).toEqual([]);
  });

  it.each([
    [
      (s: any) => delete s.automountServiceAccountToken,
      "automount-service-account-token",
      "spec.automountServiceAccountToken is unset (a token is mounted); allowed: false, or true with a dedicated ServiceAccount",
    ],
    [
      (s: any) => (s.automountServiceAccountToken = true),
      "automount-service-account-token",
      "is true for the default ServiceAccount",
    ],
    [
      (s: any) => delete s.containers[0].livenessProbe,
      "liveness-probe",
      'spec.containers[0].livenessProbe (container "app") is unset',
    ],
    [
      (s: any) => (s.containers[0].livenessProbe.initialDelaySeconds = 60),
      "startup-probe",
      'initialDelaySeconds (container "app") is 60 and spec.containers[0].startupProbe is unset',
    ],
    [
      (s: any) => delete s.initContainers[0].resources.limits["ephemeral-storage"],
      "ephemeral-storage",
      'spec.initContainers[0].resources.limits.ephemeral-storage (container "init") is unset',
    ],
    [
      (s: any) => (s.volumes[0].emptyDir = {}),
      "emptydir-size-limit",
      'spec.volumes[0].emptyDir.sizeLimit (volume "tmp") is unset; allowed: a sizeLimit',
    ],
  ])("reports a missing habit (%#) with the field path and what is allowed", (edit, rule, fragment) => {
    const [r] = hygiene(withSpec(hygienicPod(), edit));
    expect(r).toMatchObject({ rule });
    expect(r.message).toContain(fragment);
  });

  it("accepts a token for a dedicated ServiceAccount, and skips probes for run-to-completion pods", () => {
    expect(
      hygiene(
        withSpec(hygienicPod(), s =>
          Object.assign(s, { serviceAccountName: "alloy", automountServiceAccountToken: true }),
        ),
      ),
    ).toEqual([]);
    const job = asWorkload(
      "Job",
      withSpec(hygienicPod(), s => delete s.containers[0].livenessProbe),
    );
    expect(hygiene(job)).toEqual([]);
  });

  it("wants a StatefulSet's serviceName to be a headless Service", () => {
    const sts = { ...asWorkload("StatefulSet", hygienicPod()) };
    sts.spec = { ...(sts.spec as object), serviceName: "loki" };
    const svc = (clusterIP?: string): KubeObject => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "loki", namespace: "shop" },
      spec: { clusterIP },
    });
    expect(hygiene(sts, [svc("None")])).toEqual([]);
    expect(hygiene(sts, [svc()])[0].message).toBe(
      'spec.serviceName is "loki", whose clusterIP is "unset", not None; allowed: the name of a headless Service (clusterIP: None) in shop, which gives the pods their stable DNS names',
    );
    expect(hygiene(sts, [])[0].message).toContain('"loki", which is not a Service in shop');
  });

  it("warns at admission, never denies (warn by default)", () => {
    const pod = withSpec(compliantPod(), s => delete s.containers[0].livenessProbe);
    const d = decideAdmission({ object: pod, operation: "CREATE" }, ctx());
    expect(d.allowed).toBe(true);
    expect(d.warnings.some(w => w.startsWith("[workload-hygiene/liveness-probe]"))).toBe(true);
  });
});

describe("namespace-labels", () => {
  const ns = (labels: Record<string, string>): KubeObject => ({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "monitoring", labels },
  });
  const strict = {
    "kubernetes.io/metadata.name": "monitoring",
    "pod-security.kubernetes.io/enforce": "restricted",
    "pod-security.kubernetes.io/enforce-version": "v1.35",
  };
  const update = (labels: Record<string, string>, username = "alice") =>
    decideAdmission({ object: ns(labels), oldObject: ns(strict), operation: "UPDATE", username }, ctx());

  it.each([
    [
      { ...strict, "pod-security.kubernetes.io/enforce": "privileged" },
      'metadata.labels["pod-security.kubernetes.io/enforce"] goes from "restricted" to "privileged"; allowed: "restricted" or stricter, because alice is not the GitOps identity',
    ],
    [
      { "kubernetes.io/metadata.name": "monitoring", "pod-security.kubernetes.io/enforce-version": "v1.35" },
      'goes from "restricted" to unset',
    ],
    [
      { ...strict, "pod-security.kubernetes.io/enforce-version": "v1.0" },
      'enforce-version"] goes from "v1.35" to "v1.0"; allowed: the same version or a newer one',
    ],
    [
      { ...strict, "kubernetes.io/metadata.name": "other" },
      'metadata.labels["kubernetes.io/metadata.name"] goes from "monitoring" to "other"',
    ],
  ])("denies weakening a governed namespace's enforcement (%#), even when nothing else changed", (labels, fragment) => {
    const d = update(labels);
    expect(d.allowed).toBe(false);
    expect(d.message).toContain("[namespace-labels/no-weakening]");
    expect(d.message).toContain(fragment);
  });

  it("allows the GitOps identity, stricter or newer labels, and other namespaces", () => {
    expect(update({ ...strict, "pod-security.kubernetes.io/enforce": "baseline" }, gitopsIdentities()[0]).allowed).toBe(
      true,
    );
    expect(update({ ...strict, "pod-security.kubernetes.io/enforce-version": "latest", team: "x" }).allowed).toBe(true);
    const sandbox = (level: string): KubeObject => ({
      ...ns({ "pod-security.kubernetes.io/enforce": level }),
      metadata: { name: "sandbox", labels: { "pod-security.kubernetes.io/enforce": level } },
    });
    expect(namespaceLabelChanges(sandbox("restricted"), sandbox("privileged"), "alice")).toEqual([]);
    expect(gitopsIdentities("a, b,,")).toEqual(["a", "b"]);
  });

  it("wants the restricted enforce label on governed namespaces (offline audit; a warning on create)", () => {
    const results = evaluateObject(ns({ "pod-security.kubernetes.io/enforce": "baseline" }), ctx());
    const created = decideAdmission({ object: ns({}), operation: "CREATE" }, ctx());
    expect([created.allowed, created.warnings[0]]).toEqual([
      true,
      expect.stringMatching(/^\[namespace-pod-security\/psa-enforce\]/),
    ]);
    expect(results.find(r => r.rule === "psa-enforce")?.result).toBe("warn");
    expect(results.find(r => r.rule === "psa-enforce")?.message).toBe(
      'metadata.labels["pod-security.kubernetes.io/enforce"] is "baseline"; allowed: "restricted" (the API server\'s own Pod Security check stands behind the module, also when it is down)',
    );
  });
});
