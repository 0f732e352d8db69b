import { Capability, a, PeprValidateRequest } from "pepr";
import type { KubernetesObject } from "@kubernetes/client-node";
import { decideAdmission } from "./engine/admission";
import type { KubeObject } from "./k8s/object";
import { admissionContext } from "./live-state";
import { ExemptionKind } from "./kinds/exemption";
import { recordAdmission } from "./policy-reports";
import { Deadline } from "./engine/budget";

/**
 * Validation bindings for every Bonsai policy. Each request is judged by the same engine the audit
 * uses (./policies); this file only wires Pepr to it.
 */
export const Guardrails = new Capability({
  name: "guardrails",
  description: "Pod security, resources, network flows, services, images and exemptions: validation",
});

const { When } = Guardrails;

async function validate<T extends KubernetesObject>(req: PeprValidateRequest<T>) {
  const operation = req.Request.operation;
  const input = {
    object: operation === "DELETE" ? undefined : (req.Raw as unknown as KubeObject),
    oldObject: req.OldResource as unknown as KubeObject | undefined,
    operation,
    username: req.Request.userInfo?.username,
  };
  // One deadline for the whole request: waiting for lists, judging, and judging again on fresh lists.
  const deadline = new Deadline();
  const ctx = await admissionContext({ waitMs: deadline.remainingMs() });
  let decision = decideAdmission(input, ctx, deadline);
  if (!decision.allowed && !decision.overBudget) {
    // Before denying, make sure an Exemption or LimitRange created a moment ago is known (Flux applies
    // the exemptions layer right before the objects they exempt): judge again on lists at most 1 s old.
    const fresh = await admissionContext({ maxAgeMs: 1_000, waitMs: deadline.remainingMs() });
    if (fresh !== ctx) {
      // Out of time on the second pass: the first pass's denial stands (never turned into a fail-open admit).
      const again = decideAdmission(input, fresh, deadline);
      if (!again.overBudget) decision = again;
    }
  }
  recordAdmission(decision, { operation, dryRun: req.Request.dryRun, object: input.object ?? input.oldObject });
  const warnings = decision.warnings.length ? decision.warnings : undefined;
  return decision.allowed ? req.Approve(warnings) : req.Deny(decision.message, 403, warnings);
}

// Pods and every kind that carries a pod template: a denial shows up where `kubectl apply` and Flux see it.
When(a.Pod).IsCreatedOrUpdated().Validate(validate);
When(a.Deployment).IsCreatedOrUpdated().Validate(validate);
When(a.StatefulSet).IsCreatedOrUpdated().Validate(validate);
When(a.DaemonSet).IsCreatedOrUpdated().Validate(validate);
When(a.ReplicaSet).IsCreatedOrUpdated().Validate(validate);
// Nothing on the platform creates these two, which is why an attacker would: denied where they are created.
When(a.ReplicationController).IsCreatedOrUpdated().Validate(validate);
When(a.PodTemplate).IsCreatedOrUpdated().Validate(validate);
When(a.Job).IsCreatedOrUpdated().Validate(validate);
When(a.CronJob).IsCreatedOrUpdated().Validate(validate);
When(a.Service).IsCreatedOrUpdated().Validate(validate);
When(a.ResourceQuota).IsCreatedOrUpdated().Validate(validate);
When(a.LimitRange).IsCreatedOrUpdated().Validate(validate);
When(a.NetworkPolicy).IsCreatedOrUpdated().Validate(validate);
When(a.NetworkPolicy).IsDeleted().Validate(validate);
When(ExemptionKind).IsCreatedOrUpdated().Validate(validate);
When(a.Namespace).IsCreatedOrUpdated().Validate(validate);
When(a.Role).IsCreatedOrUpdated().Validate(validate);
When(a.ClusterRole).IsCreatedOrUpdated().Validate(validate);
