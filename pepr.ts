import { PeprModule } from "pepr";
// cfg loads the module's configuration (uuid, onError, webhookTimeout, ignored namespaces, RBAC) from package.json
import cfg from "./package.json";
import { PodSecurity, podCreationVerdicts } from "./capabilities/pod-security";
import { Guardrails } from "./capabilities/guardrails";
import { NamespaceGuardrails } from "./capabilities/namespace-guardrails";
import { PolicyReports } from "./capabilities/policy-reports";
import { prepareAdmissionRequest } from "./capabilities/engine/admission-review";
import { finishAdmissionResponse } from "./capabilities/engine/admission-response";

new PeprModule(cfg, [PodSecurity, Guardrails, NamespaceGuardrails, PolicyReports], {
  // A malformed AdmissionReview gets an HTTP error instead of Pepr's default "allowed"; managedFields are dropped
  // before Pepr copies the objects (see dropManagedFields).
  beforeHook: prepareAdmissionRequest,
  // A new pod's verdict is given by the mutating call (see ./capabilities/pod-security.ts); patches lose Pepr's
  // bookkeeping annotations.
  afterHook: finishAdmissionResponse(podCreationVerdicts, cfg.pepr.uuid),
});
