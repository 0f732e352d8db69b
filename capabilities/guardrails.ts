import { Capability, a, PeprValidateRequest } from "pepr";
import type { KubernetesObject } from "@kubernetes/client-node";
import { decideAdmission } from "./engine/admission";
import type { KubeObject } from "./k8s/object";
import { admissionContext } from "./live-state";
import { modelOf } from "./kinds/models";
import { ADMISSION_KINDS } from "./engine/registry";
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

// Every kind a policy evaluates (the registry's list): Pods and every kind that carries a pod template, so a
// denial shows up where `kubectl apply` and Flux see it, including ReplicationControllers and PodTemplates that
// nothing on the platform creates (which is why an attacker would).
for (const kind of ADMISSION_KINDS) When(modelOf(kind)).IsCreatedOrUpdated().Validate(validate);
// Deleting an app namespace's default-deny is refused (network-flows/default-deny).
When(a.NetworkPolicy).IsDeleted().Validate(validate);
