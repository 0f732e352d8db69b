import { Capability, a, PeprValidateRequest, PeprMutateRequest } from "pepr";
import type { KubernetesObject } from "@kubernetes/client-node";
import { applySecureDefaults } from "./policies/pod-security/mutate";
import { decidePodSecurity } from "./policies/pod-security/admission";
import type { KubeObject } from "./policies/k8s-object";

/**
 * Admission bindings of the pod-security policy family. The logic lives in ./policies/pod-security,
 * shared with `bonsai audit`; this file only wires it to Pepr.
 */
export const PodSecurity = new Capability({
  name: "pod-security",
  description: "Pod Security Standards (restricted) plus Bonsai hardening; fills missing fields with safe defaults",
});

const { When } = PodSecurity;

// Pods are mutated on create only: the API server forbids changing a running pod's securityContext.
When(a.Pod)
  .IsCreated()
  .Mutate((req: PeprMutateRequest<a.Pod>) => {
    applySecureDefaults(req.Raw as unknown as KubeObject);
  });

function validate<T extends KubernetesObject>(req: PeprValidateRequest<T>) {
  const decision = decidePodSecurity({
    object: req.Raw as unknown as KubeObject,
    oldObject: req.OldResource as unknown as KubeObject | undefined,
    operation: req.Request.operation,
  });
  return decision.allowed ? req.Approve() : req.Deny(decision.message, 403);
}

// A denial at the workload shows up where `kubectl apply` and Flux see it, not later on a ReplicaSet.
When(a.Pod).IsCreatedOrUpdated().Validate(validate);
When(a.Deployment).IsCreatedOrUpdated().Validate(validate);
When(a.StatefulSet).IsCreatedOrUpdated().Validate(validate);
When(a.DaemonSet).IsCreatedOrUpdated().Validate(validate);
When(a.ReplicaSet).IsCreatedOrUpdated().Validate(validate);
When(a.Job).IsCreatedOrUpdated().Validate(validate);
When(a.CronJob).IsCreatedOrUpdated().Validate(validate);
