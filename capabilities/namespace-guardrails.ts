import { Capability, a, K8s, Log } from "pepr";
import type { KubernetesObject } from "@kubernetes/client-node";
import { isAppNamespace } from "./config/platform";
import { guardrailObjectsFor, isManagedGuardrail } from "./config/namespace-guardrails";
import { activeQuotaSize, QUOTA_SIZE_ENV } from "./config/quota-sizes";

// Read once, at start: an unknown size stops the module here with the variable's name and the known sizes,
// rather than writing quotas of the wrong size into every app namespace.
const QUOTA_SIZE = activeQuotaSize();

/**
 * Keeps every app namespace's ResourceQuota, LimitRange, default-deny and DNS egress in place: applied
 * by server-side apply when the namespace appears, re-applied when one is deleted or edited.
 */
export const NamespaceGuardrails = new Capability({
  name: "namespace-guardrails",
  description: "Creates and restores the quota, limit range and network policies of app namespaces",
});

const { When } = NamespaceGuardrails;

Log.info({ [QUOTA_SIZE_ENV]: QUOTA_SIZE }, "bonsai: app namespaces get the quota of this cluster size");

const KINDS: Record<string, typeof a.GenericKind> = {
  ResourceQuota: a.ResourceQuota,
  LimitRange: a.LimitRange,
  NetworkPolicy: a.NetworkPolicy,
};

export async function ensureGuardrails(namespace: string): Promise<void> {
  for (const obj of guardrailObjectsFor(namespace, QUOTA_SIZE)) {
    // force: the module owns these fields; a hand edit is drift to undo, not a conflict to report.
    await K8s(KINDS[obj.kind as string]).Apply(obj as KubernetesObject, { force: true });
  }
}

async function restore(obj: KubernetesObject) {
  const ns = obj.metadata?.namespace;
  if (!isManagedGuardrail(obj.kind, ns, obj.metadata?.name)) return;
  try {
    const namespace = await K8s(a.Namespace).Get(ns!);
    if (namespace.metadata?.deletionTimestamp) return; // the namespace is going away; let it
    Log.info({ namespace: ns, kind: obj.kind, name: obj.metadata?.name }, "bonsai: restoring a managed guardrail");
    await ensureGuardrails(ns!);
  } catch (err) {
    Log.error({ err: (err as Error).message, namespace: ns }, "bonsai: could not restore guardrails");
  }
}

When(a.Namespace)
  .IsCreatedOrUpdated()
  .Reconcile(async ns => {
    const name = ns.metadata?.name;
    if (!name || !isAppNamespace(name) || ns.metadata?.deletionTimestamp) return;
    await ensureGuardrails(name);
  });

for (const kind of Object.values(KINDS)) {
  When(kind).IsDeleted().Watch(restore);
  When(kind).IsUpdated().Watch(restore);
}
