import { decideAdmission, type AdmissionDecision, type AdmissionInput } from "./engine/admission";
import { Deadline } from "./engine/budget";
import { admissionContext } from "./live-state";
import { recordAdmission } from "./policy-reports";

/**
 * One admission request judged by every Bonsai policy, on live state, and recorded (PolicyReport, metrics,
 * verdict log, denial event). Both webhooks call it: the validating one for every kind, the mutating one for
 * Pod creation (./pod-security.ts), so a pod is judged in the same way whichever call carries it.
 */
export async function judgeRequest(input: AdmissionInput, dryRun: boolean | undefined): Promise<AdmissionDecision> {
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
  recordAdmission(decision, { operation: input.operation, dryRun, object: input.object ?? input.oldObject });
  return decision;
}
