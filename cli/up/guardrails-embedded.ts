import { ControlPlane } from "../../tools/controlplane/controlplane";
import { MODULE_NAME, MODULE_NAMESPACE, peprDeploy } from "../../tools/controlplane/pepr-deploy";

/** Namespaces whose pods the embedded plane runs as local processes instead of leaving them to kwok. */
export const LOCAL_POD_NAMESPACES = [MODULE_NAMESPACE];

/**
 * The guardrails on the embedded plane, installed the way users install them: `npx pepr deploy --yes`. Its
 * admission and watcher Deployments' pods are run by the control plane's local kubelet from the bundle the
 * deploy built (the module Secret), with the TLS and API-path Secrets it wrote and a token of the
 * ServiceAccount it created; the API server calls the webhooks through the deployed Service.
 */
export async function installGuardrails(cp: ControlPlane, say: (m: string) => void): Promise<string[]> {
  const { seconds } = await peprDeploy(cp, { progress: say });
  const pods = cp.kubectl(["get", "pods", "-n", MODULE_NAMESPACE, "-o", "name"]).stdout.trim().split("\n");
  return [
    `guardrails installed with npx pepr deploy in ${seconds.toFixed(0)} s: ${pods.length} pods in ${MODULE_NAMESPACE} run from dist/ as ServiceAccount ${MODULE_NAMESPACE}/${MODULE_NAME}`,
  ];
}
