import type { KubeObject } from "../../capabilities/k8s/object";
import { admissionShapes } from "../lib/objects";
import type { ModuleWebhookRules, WebhookRule } from "../lib/pepr-module";

/** One request of the mix: which webhook and which AdmissionReview body (with a uid placeholder). */
export interface ReviewTemplate {
  /** e.g. "mutate pod/bare" */
  label: string;
  endpoint: "mutate" | "validate";
  /** The JSON body split around the uid, so each request gets a fresh uid without re-serialising. */
  before: Buffer;
  after: Buffer;
}

const UID_MARK = "00000000-0000-0000-0000-00000000uid0";

const GVR: Record<string, { group: string; version: string; resource: string }> = {
  Pod: { group: "", version: "v1", resource: "pods" },
  Deployment: { group: "apps", version: "v1", resource: "deployments" },
};

/** An AdmissionReview v1 as kube-apiserver 1.35 sends it for a CREATE by Flux's kustomize-controller. */
export function admissionReview(object: KubeObject, uid = UID_MARK): Record<string, unknown> {
  const kind = String(object.kind);
  const { group, version, resource } = GVR[kind];
  const metadata = object.metadata as { name: string; namespace: string };
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid,
      kind: { group, version, kind },
      resource: { group, version, resource },
      requestKind: { group, version, kind },
      requestResource: { group, version, resource },
      name: metadata.name,
      namespace: metadata.namespace,
      operation: "CREATE",
      userInfo: {
        username: "system:serviceaccount:flux-system:kustomize-controller",
        uid: "6c1c6f5e-3b7e-4f59-9d43-2b1f0e0b7a10",
        groups: ["system:serviceaccounts", "system:serviceaccounts:flux-system", "system:authenticated"],
      },
      object,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: "meta.k8s.io/v1", kind: "CreateOptions", fieldManager: "kustomize-controller" },
    },
  };
}

function template(label: string, endpoint: "mutate" | "validate", object: KubeObject): ReviewTemplate {
  const json = JSON.stringify(admissionReview(object));
  const at = json.indexOf(UID_MARK);
  return {
    label,
    endpoint,
    before: Buffer.from(json.slice(0, at)),
    after: Buffer.from(json.slice(at + UID_MARK.length)),
  };
}

const resourceOf = (obj: KubeObject) => `${String(obj.kind).toLowerCase()}s`;
const createMatches = (rules: WebhookRule[], resource: string) =>
  rules.some(r => r.resources.includes(resource) && r.operations.includes("CREATE"));

/**
 * The request mix, in the order each client cycles through it: each object goes to the webhooks whose rules
 * (the module's own, from `pepr build`) match its creation, mutating before validating as the API server calls
 * them. With the guardrails' rules a Pod goes to the mutating webhook only (defaulted and judged there) and a
 * Deployment to the validating one: 5 requests per cycle, 2 of them denied by the guardrails.
 */
export function requestMix(rules: ModuleWebhookRules): ReviewTemplate[] {
  const out: ReviewTemplate[] = [];
  for (const [label, obj] of admissionShapes()) {
    const resource = resourceOf(obj);
    if (createMatches(rules.mutate, resource)) out.push(template(`mutate ${label}`, "mutate", obj));
    if (createMatches(rules.validate, resource)) out.push(template(`validate ${label}`, "validate", obj));
  }
  return out;
}

/** The bench's kinds' rules of two modules, equal or the reason they differ (the baseline must bind the same). */
export function sameBenchRules(a: ModuleWebhookRules, b: ModuleWebhookRules): string | undefined {
  const kinds = new Set(admissionShapes().map(([, o]) => resourceOf(o)));
  const view = (r: ModuleWebhookRules) =>
    JSON.stringify(
      (["mutate", "validate"] as const).map(k =>
        r[k].filter(x => x.resources.some(res => kinds.has(res))).map(x => [x.resources, x.operations]),
      ),
    );
  return view(a) === view(b) ? undefined : `rules differ for ${[...kinds].join(", ")}: ${view(a)} vs ${view(b)}`;
}

/** A uid of the same length as the placeholder, unique per request. */
export function uidFor(n: number): Buffer {
  const hex = n.toString(16).padStart(12, "0");
  return Buffer.from(`00000000-0000-4000-8000-${hex}`);
}
