import { PeprModule } from "pepr";
// cfg loads the module's configuration (uuid, onError, webhookTimeout, ignored namespaces, RBAC) from package.json
import cfg from "./package.json";
import { PodSecurity } from "./capabilities/pod-security";
import { Guardrails } from "./capabilities/guardrails";
import { NamespaceGuardrails } from "./capabilities/namespace-guardrails";

new PeprModule(cfg, [PodSecurity, Guardrails, NamespaceGuardrails]);
