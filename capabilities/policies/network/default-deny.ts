import { isAppNamespace, NETWORK } from "../../config/platform";
import { KubeObject, objectRef, record } from "../../k8s/object";

/** The namespace controller deletes everything in a terminating namespace; it must not be blocked. */
export const NAMESPACE_CONTROLLER = "system:serviceaccount:kube-system:namespace-controller";

/**
 * Refuses deleting an app namespace's default-deny NetworkPolicy: without it every flow is open.
 * Returns the denial message, or undefined when the delete may proceed.
 */
export function defaultDenyDeletion(
  oldObject: KubeObject | undefined,
  username: string | undefined,
): string | undefined {
  if (!oldObject || oldObject.kind !== "NetworkPolicy") return undefined;
  const meta = record(oldObject.metadata);
  const ns = typeof meta?.namespace === "string" ? meta.namespace : undefined;
  if (meta?.name !== NETWORK.defaultDenyName || !isAppNamespace(ns)) return undefined;
  if (username === NAMESPACE_CONTROLLER) return undefined;
  return (
    `${objectRef(oldObject)} is denied deletion by Bonsai guardrails [network-flows/default-deny]: ` +
    `it is the default-deny policy of app namespace ${ns}; without it every flow into and out of ${ns} is open. ` +
    `Change the allowed flows with additional NetworkPolicies instead (they are additive).`
  );
}
