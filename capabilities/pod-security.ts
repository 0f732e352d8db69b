import { Capability, a, PeprMutateRequest } from "pepr";
import { applySecureDefaults } from "./policies/pod-security/mutate";
import type { KubeObject } from "./k8s/object";
import { PendingVerdicts } from "./engine/admission-response";
import { judgeRequest } from "./judge-request";

/**
 * Fills the missing security fields of new Pods with the platform's safe defaults (./policies/pod-security/mutate.ts,
 * shared with `bonsai audit --mutate`) and judges them in the same call. Updates are judged by ./guardrails.ts.
 */
export const PodSecurity = new Capability({
  name: "pod-security",
  description: "Fills missing pod and container securityContext fields with safe defaults, then judges the new pod",
});

/** Verdicts of this binding, applied to Pepr's response by the module's afterHook (pepr.ts). */
export const podCreationVerdicts = new PendingVerdicts();

const { When } = PodSecurity;

// Pods are mutated on create only: the API server forbids changing a running pod's securityContext.
// Judging in this call, not in a second one to the validating webhook, halves the webhook calls per pod. The
// engine judges the pod as these defaults leave it (the context says mutate), the view the validating call had.
// The price: a mutating webhook that ran after this one could change the pod unseen, so the tree has none
// that matches Pods (test/repo/single-pod-call.test.ts), and the namespaces' PodSecurity labels still
// judge the final object.
When(a.Pod)
  .IsCreated()
  .Mutate(async (req: PeprMutateRequest<a.Pod>) => {
    const object = req.Raw as unknown as KubeObject;
    const request = req.Request;
    const decision = await judgeRequest(
      { object, operation: request.operation, username: request.userInfo?.username },
      request.dryRun,
    );
    podCreationVerdicts.hold(request.uid, decision);
    // A denied pod is not patched; an admitted one is within the input limits, which the engine checked first.
    if (decision.allowed) applySecureDefaults(object);
  });
