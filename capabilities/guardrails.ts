import { Capability, a, PeprValidateRequest } from "pepr";
import type { KubernetesObject } from "@kubernetes/client-node";
import type { KubeObject } from "./k8s/object";
import { modelOf } from "./kinds/models";
import { ADMISSION_KINDS } from "./engine/registry";
import { judgeRequest } from "./judge-request";

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
  const decision = await judgeRequest(input, req.Request.dryRun);
  const warnings = decision.warnings.length ? decision.warnings : undefined;
  return decision.allowed ? req.Approve(warnings) : req.Deny(decision.message, 403, warnings);
}

// Every kind a policy evaluates (the registry's list): Pods and every kind that carries a pod template, so a
// denial shows up where `kubectl apply` and Flux see it, including ReplicationControllers and PodTemplates that
// nothing on the platform creates (which is why an attacker would). A Pod's creation is judged in the mutating
// call that fills its defaults (./pod-security.ts): one webhook call per new pod instead of two.
for (const kind of ADMISSION_KINDS) {
  if (kind === "Pod") When(a.Pod).IsUpdated().Validate(validate);
  else When(modelOf(kind)).IsCreatedOrUpdated().Validate(validate);
}
// Deleting an app namespace's default-deny is refused (network-flows/default-deny).
When(a.NetworkPolicy).IsDeleted().Validate(validate);
