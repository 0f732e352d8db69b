import { APP_NAMESPACES, INGRESS_NAMESPACE } from "../../config/platform";
import { KubeObject, record } from "../../k8s/object";
import { Policy, verdicts } from "../../engine/policy";
import { PolicyResult, resourceRef } from "../../engine/result";

/**
 * Enforcement that cannot be switched off from inside: the Pod Security Admission labels of a governed
 * namespace (the API server's own, fail-closed backstop behind the module) and the label the module's
 * webhooks select namespaces by may not be removed or weakened, except by the GitOps identity, whose changes
 * are reviewed in git. docs/threat-model.md says why.
 */
export const GOVERNED_NAMESPACES: readonly string[] = [INGRESS_NAMESPACE, ...APP_NAMESPACES];
export const PSA_ENFORCE = "pod-security.kubernetes.io/enforce";
export const PSA_ENFORCE_VERSION = "pod-security.kubernetes.io/enforce-version";
/** The webhooks' namespaceSelector keys on it (Pepr: kubernetes.io/metadata.name NotIn <ignored>). */
export const SELECTOR_LABELS: readonly string[] = ["kubernetes.io/metadata.name"];
const LEVELS = ["privileged", "baseline", "restricted"];
export const REQUIRED_LEVEL = "restricted";

/** Who may change these labels: Flux's appliers by default; BONSAI_GITOPS_IDENTITIES (comma-separated) overrides. */
export function gitopsIdentities(raw = process.env.BONSAI_GITOPS_IDENTITIES): string[] {
  const list = (
    raw ?? "system:serviceaccount:flux-system:kustomize-controller,system:serviceaccount:flux-system:helm-controller"
  )
    .split(",")
    .map(s => s.trim())
    .filter(Boolean);
  return list;
}
const GITOPS = gitopsIdentities();

const labelsOf = (o: KubeObject | undefined): Record<string, string> =>
  (record(record(o?.metadata)?.labels) ?? {}) as Record<string, string>;
const strength = (level: string | undefined) => (level === undefined ? -1 : LEVELS.indexOf(level));

/** v1.35 -> [1, 35]; "latest" or unset (which means latest) -> Infinity. */
function version(v: string | undefined): number[] {
  if (v === undefined || v === "latest") return [Infinity];
  const [major, minor] = v.replace(/^v/, "").split(".").map(Number);
  return [Number.isFinite(major) ? major : -1, Number.isFinite(minor) ? minor : -1];
}
const older = (a: number[], b: number[]) => a[0] < b[0] || (a[0] === b[0] && (a[1] ?? 0) < (b[1] ?? 0));

function fail(ns: KubeObject, rule: string, path: string, message: string): PolicyResult {
  return verdicts(namespaceLabels, resourceRef(ns), [{ rule, severity: "critical", fields: [path], message }], "")[0];
}

/** The refusals of a namespace update by `username`: each removed or weakened enforcement label. */
export function namespaceLabelChanges(
  oldNs: KubeObject,
  newNs: KubeObject,
  username: string | undefined,
  gitops: readonly string[] = GITOPS,
): PolicyResult[] {
  const name = String(newNs.metadata?.name ?? "");
  if (!GOVERNED_NAMESPACES.includes(name) || gitops.includes(username ?? "")) return [];
  const before = labelsOf(oldNs);
  const after = labelsOf(newNs);
  const who = `${username ?? "an unknown user"} is not the GitOps identity (${gitops.join(", ")}); change it in git`;
  const out: PolicyResult[] = [];
  const path = (key: string) => `metadata.labels["${key}"]`;
  if (strength(after[PSA_ENFORCE]) < strength(before[PSA_ENFORCE]))
    out.push(
      fail(
        newNs,
        "no-weakening",
        path(PSA_ENFORCE),
        `${path(PSA_ENFORCE)} goes from "${before[PSA_ENFORCE]}" to ${after[PSA_ENFORCE] === undefined ? "unset" : `"${after[PSA_ENFORCE]}"`}; allowed: "${before[PSA_ENFORCE]}" or stricter, because ${who}`,
      ),
    );
  if (older(version(after[PSA_ENFORCE_VERSION]), version(before[PSA_ENFORCE_VERSION])))
    out.push(
      fail(
        newNs,
        "no-weakening",
        path(PSA_ENFORCE_VERSION),
        `${path(PSA_ENFORCE_VERSION)} goes from "${before[PSA_ENFORCE_VERSION] ?? "latest"}" to "${after[PSA_ENFORCE_VERSION]}"; allowed: the same version or a newer one, because ${who}`,
      ),
    );
  for (const key of SELECTOR_LABELS)
    if (before[key] !== undefined && after[key] !== before[key])
      out.push(
        fail(
          newNs,
          "no-weakening",
          path(key),
          `${path(key)} goes from "${before[key]}" to ${after[key] === undefined ? "unset" : `"${after[key]}"`}; allowed: unchanged (the module's webhooks select namespaces by it), because ${who}`,
        ),
      );
  return out;
}

/**
 * Judges changes only (namespaceLabelChanges, called by admission for Namespace updates): an object on its own
 * has nothing to weaken, so evaluate reports nothing. Enforce mode.
 */
export const namespaceLabels: Policy = {
  name: "namespace-labels",
  category: "Pod Security",
  description: `Updates may not remove or weaken the Pod Security enforce labels or the module's selector label of ${GOVERNED_NAMESPACES.join(", ")}, except by the GitOps identity`,
  mode: "enforce",
  kinds: ["Namespace"],
  rules: [
    {
      id: "no-weakening",
      title: "Pod Security enforcement and the webhooks' selector label are weakened only through GitOps",
      severity: "critical",
    },
  ],
  evaluate: () => [],
};

/**
 * Offline and on create: a governed namespace carries the restricted enforce label. Warn mode, so that a
 * namespace created first and labelled right after (kubectl create namespace; kubectl label) still works.
 */
export const namespacePodSecurity: Policy = {
  name: "namespace-pod-security",
  category: "Pod Security",
  description: `Governed namespaces (${GOVERNED_NAMESPACES.join(", ")}) enforce Pod Security "${REQUIRED_LEVEL}"`,
  mode: "warn",
  kinds: ["Namespace"],
  rules: [
    { id: "psa-enforce", title: 'A governed namespace enforces Pod Security "restricted"', severity: "critical" },
  ],
  evaluate: (obj: KubeObject) => {
    const name = String(obj.metadata?.name ?? "");
    if (!GOVERNED_NAMESPACES.includes(name)) return [];
    const level = labelsOf(obj)[PSA_ENFORCE];
    const path = `metadata.labels["${PSA_ENFORCE}"]`;
    const failures =
      level === REQUIRED_LEVEL
        ? []
        : [
            {
              rule: "psa-enforce",
              severity: "critical" as const,
              fields: [path],
              message: `${path} is ${level === undefined ? "unset" : `"${level}"`}; allowed: "${REQUIRED_LEVEL}" (the API server's own Pod Security check stands behind the module, also when it is down)`,
            },
          ];
    return verdicts(namespacePodSecurity, resourceRef(obj), failures, `enforces Pod Security "${REQUIRED_LEVEL}"`);
  },
};
