import { Capability, a, PeprMutateRequest } from "pepr";
import { applySecureDefaults } from "./policies/pod-security/mutate";
import type { KubeObject } from "./k8s/object";
import { inputLimitProblem } from "./engine/input-limits";

/**
 * Fills the missing security fields of Pods with the platform's safe defaults. The logic lives in
 * ./policies/pod-security/mutate.ts, shared with `bonsai audit --mutate`; validation is in ./guardrails.ts.
 */
export const PodSecurity = new Capability({
  name: "pod-security",
  description: "Fills missing pod and container securityContext fields with the platform's safe defaults",
});

const { When } = PodSecurity;

// Pods are mutated on create only: the API server forbids changing a running pod's securityContext.
When(a.Pod)
  .IsCreated()
  .Mutate((req: PeprMutateRequest<a.Pod>) => {
    // An object over the input limits is left as it is: validation denies it, naming the limit.
    if (inputLimitProblem(req.Raw as unknown as KubeObject)) return;
    applySecureDefaults(req.Raw as unknown as KubeObject);
  });
