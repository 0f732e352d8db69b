import { MODES, Mode } from "./policy";
import { POLICIES, policyNamed } from "./registry";

/**
 * Per-policy overrides from the environment variable BONSAI_MODES (JSON, e.g. {"service-type":"warn"}),
 * set through `pepr.env` in package.json — still reviewed in git — or by a test. A malformed value stops
 * the module at start with a message naming the bad entry, instead of silently enforcing something else.
 */
export function modeOverrides(raw = process.env.BONSAI_MODES): Record<string, Mode> {
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(`BONSAI_MODES is not JSON: ${raw}; expected e.g. {"service-type":"warn"}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new Error(`BONSAI_MODES must be a JSON object of policy -> mode, got ${raw}`);
  for (const [policy, mode] of Object.entries(parsed)) {
    if (!policyNamed(policy))
      throw new Error(`BONSAI_MODES names unknown policy "${policy}"; known: ${POLICIES.map(p => p.name).join(", ")}`);
    if (!MODES.includes(mode as Mode))
      throw new Error(`BONSAI_MODES sets ${policy} to ${JSON.stringify(mode)}; allowed: ${MODES.join(", ")}`);
  }
  return parsed as Record<string, Mode>;
}

/** The overrides in force (read once at start); tests set entries to exercise other modes, then delete them. */
export const MODE_OVERRIDES: Record<string, Mode> = modeOverrides();

/** A policy's mode: BONSAI_MODES' override, else the policy's own. */
export function modeOf(policy: string): Mode {
  return MODE_OVERRIDES[policy] ?? policyNamed(policy)?.mode ?? "enforce";
}
