import { contextFromObjects } from "../../capabilities/engine/context";
import { evaluateObject } from "../../capabilities/engine/engine";
import type { PolicyResult } from "../../capabilities/engine/result";
import type { KubeObject } from "../../capabilities/k8s/object";
import type { Level } from "../../capabilities/policies/pod-security/check";
import { HARDENING_POLICY, PSS_POLICY } from "../../capabilities/policies/pod-security/policy";

/**
 * The Pod Security results of one object through the engine's one entry point (evaluateObject), as admission
 * and `bonsai audit` get them: the Pod Security Standards at `level` and, at restricted, the hardening rules.
 */
export function podSecurityResults(obj: KubeObject, opts: { level: Level; mutate?: boolean }): PolicyResult[] {
  return evaluateObject(obj, contextFromObjects([], opts)).filter(
    r => r.policy === PSS_POLICY || r.policy === HARDENING_POLICY,
  );
}
