import type { V1PodSecurityContext } from "@kubernetes/client-node";
import { record } from "../../k8s/object";
import type { Finding, PodCheck } from "./check";
import { containersOf, isWindowsPod } from "../../k8s/containers";

// The platform's own rules on top of the Pod Security Standards (seed: "Pod Security" section).

export const readOnlyRootFilesystem: PodCheck = {
  id: "readOnlyRootFilesystem",
  level: "restricted",
  title: "Containers must mount their root filesystem read-only (use emptyDir for writable paths)",
  check: pod =>
    isWindowsPod(pod.spec)
      ? []
      : containersOf(pod.spec, pod.prefix)
          .filter(c => c.securityContext?.readOnlyRootFilesystem !== true)
          .map(c => ({
            path: `${c.path}.securityContext.readOnlyRootFilesystem`,
            container: c.name,
            found: c.securityContext?.readOnlyRootFilesystem,
            allowed: "true (mount an emptyDir where the container must write)",
          })),
};

/**
 * A `USER name` in an image cannot be verified by the kubelet against runAsNonRoot, so the platform
 * requires every container to run with an explicit numeric, non-zero UID.
 */
export const numericRunAsUser: PodCheck = {
  id: "numericRunAsUser",
  level: "restricted",
  title: "Containers must run with an explicit numeric, non-zero runAsUser",
  check: pod => {
    if (isWindowsPod(pod.spec)) return [];
    const podValue = record<V1PodSecurityContext>(pod.spec.securityContext)?.runAsUser;
    return containersOf(pod.spec, pod.prefix).flatMap((c): Finding[] => {
      const own = c.securityContext?.runAsUser;
      const effective = own ?? podValue;
      if (Number.isInteger(effective) && (effective as number) > 0) return [];
      const atContainer = own !== undefined && own !== null;
      return [
        {
          path: atContainer ? `${c.path}.securityContext.runAsUser` : `${pod.prefix}spec.securityContext.runAsUser`,
          container: c.name,
          found: effective,
          allowed: `a numeric UID greater than 0, in ${c.path}.securityContext.runAsUser or ${pod.prefix}spec.securityContext.runAsUser`,
        },
      ];
    });
  },
};

export const HARDENING_CHECKS: PodCheck[] = [readOnlyRootFilesystem, numericRunAsUser];
