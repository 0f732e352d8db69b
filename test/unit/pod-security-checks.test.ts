import { HARDENING_POLICY, PSS_POLICY } from "../../capabilities/policies/pod-security/policy";
import { podSecurityResults } from "./pod-security-results";
import { checksFor } from "../../capabilities/policies/pod-security/profile";
import type { KubeObject } from "../../capabilities/k8s/object";
import { asWorkload, compliantPod, withSpec } from "../support/pods";

const fails = (obj: KubeObject, level: "baseline" | "restricted" = "restricted") =>
  podSecurityResults(obj, { level }).filter(r => r.result === "fail");
const failingRules = (obj: KubeObject, level: "baseline" | "restricted" = "restricted") =>
  fails(obj, level).map(r => r.rule);

describe("a compliant pod", () => {
  it("passes restricted and hardening with one pass result per policy", () => {
    const results = podSecurityResults(compliantPod(), { level: "restricted" });
    expect(results.map(r => [r.policy, r.rule, r.result])).toEqual([
      [PSS_POLICY, "restricted", "pass"],
      [HARDENING_POLICY, "all", "pass"],
    ]);
  });

  it("passes baseline without hardening results", () => {
    const results = podSecurityResults(compliantPod(), { level: "baseline" });
    expect(results.map(r => [r.policy, r.result, r.category])).toEqual([
      [PSS_POLICY, "pass", "Pod Security Standards (Baseline)"],
    ]);
  });
});

describe("categories by check level (Kyverno / Policy Reporter convention)", () => {
  const broken = withSpec(compliantPod(), s => {
    s.containers[0].securityContext.privileged = true; // a baseline-level check
    s.containers[0].securityContext.runAsNonRoot = false; // a restricted-level check
  });
  it.each(["restricted", "baseline"] as const)("a baseline-level check is (Baseline) under %s", level => {
    expect(fails(broken, level).find(r => r.rule === "privileged")).toMatchObject({
      category: "Pod Security Standards (Baseline)",
      severity: "high",
      properties: { level: "baseline" },
    });
  });
  it("a restricted-level check is (Restricted), the pass result takes the profile's category", () => {
    expect(fails(broken).find(r => r.rule === "runAsNonRoot")).toMatchObject({
      category: "Pod Security Standards (Restricted)",
      severity: "medium",
    });
    expect(podSecurityResults(compliantPod(), { level: "restricted" })[0].category).toBe(
      "Pod Security Standards (Restricted)",
    );
  });
});

// Each case breaks exactly one rule; the message must name the field path, the container, the value and what is allowed.
const cases: [string, (s: Record<string, any>) => void, string, string[]][] = [
  ["hostNamespaces", s => (s.hostPID = true), "hostNamespaces", ["spec.hostPID is true", "allowed: false or unset"]],
  [
    "privileged",
    s => (s.containers[0].securityContext.privileged = true),
    "privileged",
    ['spec.containers[0].securityContext.privileged (container "app") is true', "allowed: false or unset"],
  ],
  [
    "capabilities added beyond NET_BIND_SERVICE",
    s => (s.initContainers[0].securityContext.capabilities.add = ["NET_BIND_SERVICE", "SYS_TIME"]),
    "capabilities_restricted",
    [
      'spec.initContainers[0].securityContext.capabilities.add (container "init") is ["SYS_TIME"]',
      'allowed: "NET_BIND_SERVICE" only',
    ],
  ],
  [
    "capabilities not dropping ALL",
    s => (s.containers[0].securityContext.capabilities.drop = ["NET_RAW"]),
    "capabilities_restricted",
    ['capabilities.drop (container "app") is ["NET_RAW"]', 'includes "ALL"'],
  ],
  [
    "hostPath volume",
    s => s.volumes.push({ name: "host", hostPath: { path: "/" } }),
    "restrictedVolumes",
    ['spec.volumes[1].hostPath is "hostPath"'],
  ],
  [
    "nfs volume",
    s => s.volumes.push({ name: "n", nfs: { server: "x", path: "/" } }),
    "restrictedVolumes",
    ["spec.volumes[1].nfs"],
  ],
  [
    "hostPort",
    s => (s.containers[0].ports = [{ containerPort: 80, hostPort: 8080 }]),
    "hostPorts",
    ['spec.containers[0].ports[0].hostPort (container "app") is 8080', "allowed: 0 or unset"],
  ],
  [
    "AppArmor Unconfined",
    s => (s.securityContext.appArmorProfile = { type: "Unconfined" }),
    "appArmorProfile",
    ['spec.securityContext.appArmorProfile.type is "Unconfined"'],
  ],
  [
    "SELinux user",
    s => (s.containers[0].securityContext.seLinuxOptions = { user: "root" }),
    "seLinuxOptions",
    ['seLinuxOptions.user (container "app") is "root"'],
  ],
  [
    "procMount Unmasked",
    s => (s.containers[0].securityContext.procMount = "Unmasked"),
    "procMount_restricted",
    ['procMount (container "app") is "Unmasked"'],
  ],
  [
    "seccomp Unconfined",
    s => (s.securityContext.seccompProfile = { type: "Unconfined" }),
    "seccompProfile_restricted",
    ['spec.securityContext.seccompProfile.type is "Unconfined"'],
  ],
  [
    "unsafe sysctl",
    s => (s.securityContext.sysctls = [{ name: "kernel.msgmax", value: "1" }]),
    "sysctls",
    ['spec.securityContext.sysctls[0].name is "kernel.msgmax"'],
  ],
  [
    "Windows hostProcess",
    s => (s.containers[0].securityContext.windowsOptions = { hostProcess: true }),
    "windowsHostProcess",
    ["windowsOptions.hostProcess"],
  ],
  [
    "probe host",
    s => (s.containers[0].livenessProbe = { httpGet: { host: "10.0.0.1", port: 80 } }),
    "hostProbesAndHostLifecycle",
    ['spec.containers[0].livenessProbe.httpGet.host (container "app") is "10.0.0.1"'],
  ],
  [
    "lifecycle host",
    s => (s.containers[0].lifecycle = { preStop: { tcpSocket: { host: "evil", port: 1 } } }),
    "hostProbesAndHostLifecycle",
    ["lifecycle.preStop.tcpSocket.host"],
  ],
  [
    "allowPrivilegeEscalation unset",
    s => delete s.containers[0].securityContext.allowPrivilegeEscalation,
    "allowPrivilegeEscalation",
    ['allowPrivilegeEscalation (container "app") is unset', "allowed: false"],
  ],
  [
    "runAsNonRoot false on a container",
    s => (s.containers[0].securityContext.runAsNonRoot = false),
    "runAsNonRoot",
    ['spec.containers[0].securityContext.runAsNonRoot (container "app") is false', "allowed: true"],
  ],
  [
    "runAsUser 0",
    s => (s.containers[0].securityContext.runAsUser = 0),
    "runAsUser",
    ['spec.containers[0].securityContext.runAsUser (container "app") is 0'],
  ],
  [
    "writable root filesystem",
    s => (s.containers[0].securityContext.readOnlyRootFilesystem = false),
    "readOnlyRootFilesystem",
    ['readOnlyRootFilesystem (container "app") is false', "allowed: true"],
  ],
  [
    "no runAsUser anywhere",
    s => delete s.securityContext.runAsUser,
    "numericRunAsUser",
    ['spec.securityContext.runAsUser (container "app") is unset', "numeric UID greater than 0"],
  ],
  [
    "ephemeral container without hardening",
    s => (s.ephemeralContainers = [{ name: "debug", image: "busybox:1.37" }]),
    "allowPrivilegeEscalation",
    ['spec.ephemeralContainers[0].securityContext.allowPrivilegeEscalation (container "debug") is unset'],
  ],
];

describe.each(cases)("%s", (_name, edit, rule, fragments) => {
  const pod = withSpec(compliantPod(), edit);
  it(`fails ${rule}`, () => expect(failingRules(pod)).toContain(rule));
  it("names field path, container, value and what is allowed", () => {
    const message = fails(pod).find(r => r.rule === rule)!.message;
    for (const fragment of fragments) expect(message).toContain(fragment);
  });
});

describe("profiles", () => {
  it("restricted replaces the baseline checks it overrides", () => {
    const ids = checksFor("restricted").map(c => c.id);
    expect(ids).not.toContain("hostPathVolumes");
    expect(ids).not.toContain("capabilities_baseline");
    expect(ids).not.toContain("seccompProfile_baseline");
    expect(ids).not.toContain("procMount");
    expect(ids).toEqual(expect.arrayContaining(["restrictedVolumes", "capabilities_restricted", "privileged"]));
  });

  it("baseline allows what only restricted forbids", () => {
    const pod = withSpec(compliantPod(), s => (s.containers[0].securityContext = {}));
    expect(failingRules(pod, "baseline")).toEqual([]);
    expect(failingRules(pod, "restricted")).toEqual(
      expect.arrayContaining(["allowPrivilegeEscalation", "capabilities_restricted", "readOnlyRootFilesystem"]),
    );
  });

  it("baseline allows the default capability set but not SYS_ADMIN", () => {
    const pod = withSpec(
      compliantPod(),
      s => (s.containers[0].securityContext.capabilities.add = ["CHOWN", "SYS_ADMIN"]),
    );
    const fail = fails(pod, "baseline")[0];
    expect(fail.rule).toBe("capabilities_baseline");
    expect(fail.message).toContain('is ["SYS_ADMIN"]');
  });
});

describe("relaxations", () => {
  it("a user-namespace pod may run as root and unmask /proc at baseline, not at restricted", () => {
    const pod = withSpec(compliantPod(), s => {
      s.hostUsers = false;
      s.securityContext.runAsNonRoot = false;
      s.containers[0].securityContext.procMount = "Unmasked";
    });
    expect(failingRules(pod, "baseline")).toEqual([]);
    expect(failingRules(pod)).toEqual(["procMount_restricted"]);
  });

  it("Windows pods are exempt from the Linux-only restricted fields", () => {
    const pod = withSpec(compliantPod(), s => {
      s.os = { name: "windows" };
      s.securityContext = { runAsNonRoot: true };
      for (const c of [...s.containers, ...s.initContainers]) c.securityContext = {};
    });
    expect(failingRules(pod)).toEqual([]);
  });
});

describe.each(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"])("%s templates", kind => {
  it("are judged with the template's field paths", () => {
    const bad = asWorkload(
      kind,
      withSpec(compliantPod(), s => (s.containers[0].securityContext.privileged = true)),
    );
    const prefix = kind === "CronJob" ? "spec.jobTemplate.spec.template." : "spec.template.";
    const result = fails(bad).find(r => r.rule === "privileged")!;
    expect(result.message).toContain(`${prefix}spec.containers[0].securityContext.privileged`);
    expect(result.resource).toEqual({ apiVersion: expect.any(String), kind, name: "w", namespace: "shop" });
  });

  it("pass when the template is compliant", () => {
    expect(failingRules(asWorkload(kind, compliantPod()))).toEqual([]);
  });
});

describe("odd input", () => {
  const odd: [string, unknown][] = [
    ["null containers", { containers: null }],
    ["containers not a list", { containers: "nginx" }],
    ["empty securityContext", { securityContext: {}, containers: [{ name: "a", securityContext: {} }] }],
    ["securityContext of the wrong type", { securityContext: "yes", containers: [{ name: "a", securityContext: 7 }] }],
    ["unknown fields", { frobnicate: true, containers: [{ name: "a", wibble: [1, 2] }] }],
    ["container without a name", { containers: [{ image: "x" }] }],
    ["null entries", { containers: [null, 3], volumes: [null, { name: "v", emptyDir: null }] }],
  ];
  it.each(odd)("%s: evaluated without throwing", (_n, spec) => {
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "odd" }, spec } as KubeObject;
    expect(() => podSecurityResults(pod, { level: "restricted" })).not.toThrow();
    expect(() => podSecurityResults(pod, { level: "restricted", mutate: true })).not.toThrow();
  });

  it("a workload without a template is an error naming the missing path, not a silent pass", () => {
    const deployment = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: {} } as KubeObject;
    const results = podSecurityResults(deployment, { level: "restricted" });
    expect(results.map(r => r.result)).toEqual(["error", "error"]);
    expect(results[0].message).toContain("no pod spec at spec.template.spec");
  });

  it("a container named by index when it has no name", () => {
    const pod = withSpec(compliantPod(), s => delete s.containers[0].name);
    const pod2 = withSpec(pod, s => (s.containers[0].securityContext.privileged = true));
    expect(fails(pod2)[0].message).toContain('(container "#0")');
  });
});
