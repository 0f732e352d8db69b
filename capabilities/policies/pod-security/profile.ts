import type { PodCheck, Level } from "./check";
import { BASELINE_CHECKS } from "./checks-baseline";
import { RESTRICTED_CHECKS } from "./checks-restricted";

export const PSS_CHECKS: PodCheck[] = [...BASELINE_CHECKS, ...RESTRICTED_CHECKS];

// Computed once: checksFor runs on every admission request.
const RESTRICTED_PROFILE: PodCheck[] = (() => {
  const replaced = new Set(RESTRICTED_CHECKS.flatMap(c => c.overrides ?? []));
  return PSS_CHECKS.filter(c => !replaced.has(c.id));
})();

/**
 * The checks of a profile as Pod Security Admission evaluates it: restricted is baseline plus its own
 * checks, minus the baseline checks a restricted check replaces (e.g. restrictedVolumes replaces hostPathVolumes).
 */
export function checksFor(level: Level): PodCheck[] {
  return level === "baseline" ? BASELINE_CHECKS : RESTRICTED_PROFILE;
}
