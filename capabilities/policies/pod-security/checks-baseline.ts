// Over 300 lines on purpose: the twelve baseline checks of k8s.io/pod-security-admission, one constant each, in
// its order, so that this file reads side by side with policy/check_*.go; split, the list would be reviewed in pieces.
import type { V1Probe, V1LifecycleHandler, V1SELinuxOptions, V1PodSecurityContext } from "@kubernetes/client-node";
import { isSet, list, record } from "../../k8s/object";
import type { PodCheck, Finding } from "./check";
import { containersOf, inUserNamespace } from "../../k8s/containers";
import type { PodTemplate } from "../../k8s/pod-template";

// Kubernetes v1.35 semantics of k8s.io/pod-security-admission/policy/check_*.go, one field per finding.

const podSC = (pod: PodTemplate) => record<V1PodSecurityContext>(pod.spec.securityContext);

export const hostNamespaces: PodCheck = {
  id: "hostNamespaces",
  level: "baseline",
  title: "Sharing the host network, PID and IPC namespaces is forbidden",
  check: pod =>
    (["hostNetwork", "hostPID", "hostIPC"] as const)
      .filter(field => pod.spec[field] === true)
      .map(field => ({ path: `${pod.prefix}spec.${field}`, found: true, allowed: "false or unset" })),
};

export const privileged: PodCheck = {
  id: "privileged",
  level: "baseline",
  title: "Privileged containers are forbidden",
  check: pod =>
    containersOf(pod.spec, pod.prefix)
      .filter(c => c.securityContext?.privileged === true)
      .map(c => ({
        path: `${c.path}.securityContext.privileged`,
        container: c.name,
        found: true,
        allowed: "false or unset",
      })),
};

/** Docker's default capability set, which baseline lets a container add back after dropping. */
export const DEFAULT_CAPABILITIES = new Set([
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
]);

export const capabilitiesBaseline: PodCheck = {
  id: "capabilities_baseline",
  level: "baseline",
  title: "Adding capabilities beyond the default set is forbidden",
  check: pod =>
    containersOf(pod.spec, pod.prefix).flatMap(c => {
      const add = list(record(c.securityContext?.capabilities)?.add);
      const bad = add.filter(cap => !DEFAULT_CAPABILITIES.has(String(cap)));
      return bad.length
        ? [
            {
              path: `${c.path}.securityContext.capabilities.add`,
              container: c.name,
              found: bad,
              allowed: `only ${[...DEFAULT_CAPABILITIES].join(", ")}`,
            },
          ]
        : [];
    }),
};

export const hostPathVolumes: PodCheck = {
  id: "hostPathVolumes",
  level: "baseline",
  title: "hostPath volumes are forbidden",
  check: pod =>
    list(pod.spec.volumes).flatMap((v, i) => {
      const vol = record(v);
      return vol && isSet(vol.hostPath)
        ? [{ path: `${pod.prefix}spec.volumes[${i}].hostPath`, found: vol.hostPath, allowed: "unset" }]
        : [];
    }),
};

export const hostPorts: PodCheck = {
  id: "hostPorts",
  level: "baseline",
  title: "Host ports are forbidden",
  check: pod =>
    containersOf(pod.spec, pod.prefix).flatMap(c =>
      list(c.container.ports).flatMap((p, i) => {
        const hostPort = record(p)?.hostPort;
        return isSet(hostPort) && hostPort !== 0
          ? [{ path: `${c.path}.ports[${i}].hostPort`, container: c.name, found: hostPort, allowed: "0 or unset" }]
          : [];
      }),
    ),
};

/**
 * An explicitly set profile (`appArmorProfile` or `seccompProfile`, in the pod's or a container's
 * securityContext) whose type is not one of `types`; an unset profile is not a finding here.
 */
function badProfileTypes(
  pod: PodTemplate,
  field: "appArmorProfile" | "seccompProfile",
  types: Set<string>,
  allowed: string,
): Finding[] {
  const out: Finding[] = [];
  const podProfile = record(podSC(pod)?.[field]);
  if (podProfile && !types.has(String(podProfile.type ?? ""))) {
    out.push({ path: `${pod.prefix}spec.securityContext.${field}.type`, found: podProfile.type, allowed });
  }
  for (const c of containersOf(pod.spec, pod.prefix)) {
    const profile = record(c.securityContext?.[field]);
    if (profile && !types.has(String(profile.type ?? ""))) {
      out.push({ path: `${c.path}.securityContext.${field}.type`, container: c.name, found: profile.type, allowed });
    }
  }
  return out;
}

const APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";
const APPARMOR_TYPES = new Set(["RuntimeDefault", "Localhost"]);
const allowedAppArmorAnnotation = (v: string) => v === "" || v === "runtime/default" || v.startsWith("localhost/");

export const appArmorProfile: PodCheck = {
  id: "appArmorProfile",
  level: "baseline",
  title: "The default AppArmor profile may not be disabled or overridden",
  check: pod => {
    const out = badProfileTypes(pod, "appArmorProfile", APPARMOR_TYPES, '"RuntimeDefault", "Localhost" or unset');
    const annotations = record<Record<string, unknown>>(pod.metadata.annotations) ?? {};
    for (const key of Object.keys(annotations).sort()) {
      const value = String(annotations[key] ?? "");
      if (key.startsWith(APPARMOR_ANNOTATION_PREFIX) && !allowedAppArmorAnnotation(value)) {
        out.push({
          path: `${pod.prefix}metadata.annotations["${key}"]`,
          found: value,
          allowed: '"runtime/default", "localhost/<profile>", empty or unset',
        });
      }
    }
    return out;
  },
};

const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);

function seLinuxFindings(opts: V1SELinuxOptions, base: string, container?: string): Finding[] {
  const out: Finding[] = [];
  const type = typeof opts.type === "string" ? opts.type : "";
  if (!SELINUX_TYPES.has(type)) {
    out.push({
      path: `${base}.type`,
      container,
      found: opts.type,
      allowed: '"container_t", "container_init_t", "container_kvm_t", "container_engine_t" or unset',
    });
  }
  if (typeof opts.user === "string" && opts.user.length > 0) {
    out.push({ path: `${base}.user`, container, found: opts.user, allowed: "unset" });
  }
  if (typeof opts.role === "string" && opts.role.length > 0) {
    out.push({ path: `${base}.role`, container, found: opts.role, allowed: "unset" });
  }
  return out;
}

export const seLinuxOptions: PodCheck = {
  id: "seLinuxOptions",
  level: "baseline",
  title: "Custom SELinux user or role options are forbidden, and the type is restricted",
  check: pod => {
    const out: Finding[] = [];
    const podOpts = record<V1SELinuxOptions>(podSC(pod)?.seLinuxOptions);
    if (podOpts) out.push(...seLinuxFindings(podOpts, `${pod.prefix}spec.securityContext.seLinuxOptions`));
    for (const c of containersOf(pod.spec, pod.prefix)) {
      const opts = record<V1SELinuxOptions>(c.securityContext?.seLinuxOptions);
      if (opts) out.push(...seLinuxFindings(opts, `${c.path}.securityContext.seLinuxOptions`, c.name));
    }
    return out;
  },
};

/** procMount findings without the user-namespace relaxation (restricted reuses this as is). */
export function unmaskedProcMounts(pod: PodTemplate): Finding[] {
  return containersOf(pod.spec, pod.prefix)
    .filter(c => isSet(c.securityContext?.procMount) && c.securityContext?.procMount !== "Default")
    .map(c => ({
      path: `${c.path}.securityContext.procMount`,
      container: c.name,
      found: c.securityContext?.procMount,
      allowed: '"Default" or unset',
    }));
}

export const procMount: PodCheck = {
  id: "procMount",
  level: "baseline",
  title: "The default /proc masks may not be disabled (allowed in a user namespace)",
  check: pod => (inUserNamespace(pod.spec) ? [] : unmaskedProcMounts(pod)),
};

export const SECCOMP_TYPES = new Set(["RuntimeDefault", "Localhost"]);

/** Explicitly set seccomp profiles of a type other than RuntimeDefault or Localhost. */
export function badSeccompProfiles(pod: PodTemplate): Finding[] {
  return badProfileTypes(pod, "seccompProfile", SECCOMP_TYPES, '"RuntimeDefault" or "Localhost"');
}

export const seccompProfileBaseline: PodCheck = {
  id: "seccompProfile_baseline",
  level: "baseline",
  title: "Seccomp may not be set to Unconfined",
  check: badSeccompProfiles,
};

/** Namespaced sysctls that cannot affect other pods (Kubernetes 1.32+ list). */
export const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
  "net.ipv4.tcp_rmem",
  "net.ipv4.tcp_wmem",
]);

export const sysctls: PodCheck = {
  id: "sysctls",
  level: "baseline",
  title: "Only safe, namespaced sysctls are allowed",
  check: pod =>
    list(podSC(pod)?.sysctls).flatMap((s, i) => {
      const name = record(s)?.name;
      return SAFE_SYSCTLS.has(String(name))
        ? []
        : [
            {
              path: `${pod.prefix}spec.securityContext.sysctls[${i}].name`,
              found: name,
              allowed: [...SAFE_SYSCTLS].join(", "),
            },
          ];
    }),
};

export const windowsHostProcess: PodCheck = {
  id: "windowsHostProcess",
  level: "baseline",
  title: "Windows HostProcess containers are forbidden",
  check: pod => {
    const out: Finding[] = [];
    const allowed = "false or unset";
    if (record(podSC(pod)?.windowsOptions)?.hostProcess === true) {
      out.push({ path: `${pod.prefix}spec.securityContext.windowsOptions.hostProcess`, found: true, allowed });
    }
    for (const c of containersOf(pod.spec, pod.prefix)) {
      if (record(c.securityContext?.windowsOptions)?.hostProcess === true) {
        out.push({
          path: `${c.path}.securityContext.windowsOptions.hostProcess`,
          container: c.name,
          found: true,
          allowed,
        });
      }
    }
    return out;
  },
};

function probeHosts(handler: V1Probe | V1LifecycleHandler | undefined, base: string): { path: string; host: string }[] {
  const h = record<V1Probe>(handler);
  if (!h) return [];
  return (["httpGet", "tcpSocket"] as const).flatMap(kind => {
    const host = record<{ host?: unknown }>(h[kind])?.host;
    return typeof host === "string" && host !== "" ? [{ path: `${base}.${kind}.host`, host }] : [];
  });
}

export const hostProbesAndHostLifecycle: PodCheck = {
  id: "hostProbesAndHostLifecycle",
  level: "baseline",
  title: "Probes and lifecycle handlers may not target another host",
  check: pod =>
    containersOf(pod.spec, pod.prefix).flatMap(c => {
      const lifecycle = record<{ postStart?: V1LifecycleHandler; preStop?: V1LifecycleHandler }>(c.container.lifecycle);
      const hits = [
        ...probeHosts(c.container.livenessProbe, `${c.path}.livenessProbe`),
        ...probeHosts(c.container.readinessProbe, `${c.path}.readinessProbe`),
        ...probeHosts(c.container.startupProbe, `${c.path}.startupProbe`),
        ...probeHosts(lifecycle?.postStart, `${c.path}.lifecycle.postStart`),
        ...probeHosts(lifecycle?.preStop, `${c.path}.lifecycle.preStop`),
      ];
      return hits.map(hit => ({ path: hit.path, container: c.name, found: hit.host, allowed: "empty or unset" }));
    }),
};

export const BASELINE_CHECKS: PodCheck[] = [
  hostNamespaces,
  privileged,
  capabilitiesBaseline,
  hostPathVolumes,
  hostPorts,
  appArmorProfile,
  seLinuxOptions,
  procMount,
  seccompProfileBaseline,
  sysctls,
  windowsHostProcess,
  hostProbesAndHostLifecycle,
];
