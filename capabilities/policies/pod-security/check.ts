import type { PodTemplate } from "../../k8s/pod-template";
import type { Level } from "../../engine/policy";

export type { Level };

/** One field that breaks a check: where it is, what it holds, and what would be accepted. */
export interface Finding {
  /** Full field path from the object's root, e.g. `spec.template.spec.containers[0].securityContext.privileged`. */
  path: string;
  /** The container's name when the field belongs to a container. */
  container?: string;
  /** The value found; `undefined` means the field is unset. */
  found: unknown;
  /** What the check accepts, in words. */
  allowed: string;
}

export interface PodCheck {
  /** Pod Security Admission's check ID, used as the report's rule name. */
  id: string;
  level: Level;
  /** One line for reports and docs. */
  title: string;
  /** Baseline checks this one replaces when the restricted profile is evaluated. */
  overrides?: string[];
  check(pod: PodTemplate): Finding[];
}
