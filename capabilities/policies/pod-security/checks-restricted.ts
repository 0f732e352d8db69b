import type { V1PodSecurityContext } from "@kubernetes/client-node";
import { isSet, list, record } from "../../k8s/object";
import type { Finding, PodCheck } from "./check";
import { badSeccompProfiles, SECCOMP_TYPES, unmaskedProcMounts } from "./checks-baseline";
import { containersOf, inUserNamespace, isWindowsPod } from "../../k8s/containers";

// Kubernetes v1.35 semantics of the restricted-level checks in k8s.io/pod-security-admission/policy.

const podSC = (spec: { securityContext?: V1PodSecurityContext }) => record<V1PodSecurityContext>(spec.securityContext);

/** Inline volume sources the restricted profile allows; everything else (hostPath, nfs, …) is refused. */
export const ALLOWED_VOLUME_SOURCES = [
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "image",
  "persistentVolumeClaim",
  "projected",
  "secret",
] as const;

export const restrictedVolumes: PodCheck = {
  id: "restrictedVolumes",
  level: "restricted",
  title:
    "Only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret volumes",
  overrides: ["hostPathVolumes"],
  check: pod =>
    list(pod.spec.volumes).flatMap((v, i) => {
      const vol = record(v) ?? {};
      if (ALLOWED_VOLUME_SOURCES.some(source => isSet(vol[source]))) return [];
      const sources = Object.keys(vol).filter(k => k !== "name" && isSet(vol[k]));
      // The API server defaults a volume without any source to emptyDir, as PSA sees it.
      if (!sources.length) return [];
      return [
        {
          path: `${pod.prefix}spec.volumes[${i}].${sources[0]}`,
          found: sources.join(", "),
          allowed: `a volume of type ${ALLOWED_VOLUME_SOURCES.join(", ")}`,
        },
      ];
    }),
};

export const allowPrivilegeEscalation: PodCheck = {
  id: "allowPrivilegeEscalation",
  level: "restricted",
  title: "Containers must set allowPrivilegeEscalation to false",
  check: pod =>
    isWindowsPod(pod.spec)
      ? []
      : containersOf(pod.spec, pod.prefix)
          .filter(c => c.securityContext?.allowPrivilegeEscalation !== false)
          .map(c => ({
            path: `${c.path}.securityContext.allowPrivilegeEscalation`,
            container: c.name,
            found: c.securityContext?.allowPrivilegeEscalation,
            allowed: "false",
          })),
};

export const runAsNonRoot: PodCheck = {
  id: "runAsNonRoot",
  level: "restricted",
  title: "Containers must run as non-root (relaxed in a user namespace)",
  check: pod => {
    if (inUserNamespace(pod.spec)) return [];
    const out: Finding[] = [];
    const podValue = podSC(pod.spec)?.runAsNonRoot;
    if (podValue === false) {
      out.push({ path: `${pod.prefix}spec.securityContext.runAsNonRoot`, found: false, allowed: "true" });
    }
    for (const c of containersOf(pod.spec, pod.prefix)) {
      const value = c.securityContext?.runAsNonRoot;
      const explicit = isSet(value);
      if ((explicit && value !== true) || (!explicit && podValue !== true)) {
        out.push({
          path: `${c.path}.securityContext.runAsNonRoot`,
          container: c.name,
          found: value,
          allowed: explicit ? "true" : `true, here or in ${pod.prefix}spec.securityContext.runAsNonRoot`,
        });
      }
    }
    return out;
  },
};

export const runAsUser: PodCheck = {
  id: "runAsUser",
  level: "restricted",
  title: "Containers must not run as UID 0 (relaxed in a user namespace)",
  check: pod => {
    if (inUserNamespace(pod.spec)) return [];
    const out: Finding[] = [];
    if (podSC(pod.spec)?.runAsUser === 0) {
      out.push({ path: `${pod.prefix}spec.securityContext.runAsUser`, found: 0, allowed: "a non-zero UID or unset" });
    }
    for (const c of containersOf(pod.spec, pod.prefix)) {
      if (c.securityContext?.runAsUser === 0) {
        out.push({
          path: `${c.path}.securityContext.runAsUser`,
          container: c.name,
          found: 0,
          allowed: "a non-zero UID or unset",
        });
      }
    }
    return out;
  },
};

export const seccompProfileRestricted: PodCheck = {
  id: "seccompProfile_restricted",
  level: "restricted",
  title: "A RuntimeDefault or Localhost seccomp profile must be set",
  overrides: ["seccompProfile_baseline"],
  check: pod => {
    if (isWindowsPod(pod.spec)) return [];
    const explicit = badSeccompProfiles(pod);
    const podType = record(podSC(pod.spec)?.seccompProfile)?.type;
    const podSet = SECCOMP_TYPES.has(String(podType ?? ""));
    const implicit = podSet
      ? []
      : containersOf(pod.spec, pod.prefix)
          .filter(c => !isSet(c.securityContext?.seccompProfile))
          .map(c => ({
            path: `${c.path}.securityContext.seccompProfile.type`,
            container: c.name,
            found: undefined,
            allowed: `"RuntimeDefault" or "Localhost", here or in ${pod.prefix}spec.securityContext.seccompProfile.type`,
          }));
    return [...explicit, ...implicit];
  },
};

export const capabilitiesRestricted: PodCheck = {
  id: "capabilities_restricted",
  level: "restricted",
  title: "Containers must drop ALL capabilities and may add back only NET_BIND_SERVICE",
  overrides: ["capabilities_baseline"],
  check: pod => {
    if (isWindowsPod(pod.spec)) return [];
    return containersOf(pod.spec, pod.prefix).flatMap(c => {
      const out: Finding[] = [];
      const caps = record(c.securityContext?.capabilities);
      const drop = list(caps?.drop);
      if (!drop.includes("ALL")) {
        out.push({
          path: `${c.path}.securityContext.capabilities.drop`,
          container: c.name,
          found: caps?.drop,
          allowed: 'a list that includes "ALL"',
        });
      }
      const added = list(caps?.add).filter(cap => cap !== "NET_BIND_SERVICE");
      if (added.length) {
        out.push({
          path: `${c.path}.securityContext.capabilities.add`,
          container: c.name,
          found: added,
          allowed: '"NET_BIND_SERVICE" only',
        });
      }
      return out;
    });
  },
};

export const procMountRestricted: PodCheck = {
  id: "procMount_restricted",
  level: "restricted",
  title: "The default /proc masks may not be disabled, even in a user namespace",
  overrides: ["procMount"],
  check: unmaskedProcMounts,
};

export const RESTRICTED_CHECKS: PodCheck[] = [
  restrictedVolumes,
  allowPrivilegeEscalation,
  runAsNonRoot,
  runAsUser,
  seccompProfileRestricted,
  capabilitiesRestricted,
  procMountRestricted,
];
