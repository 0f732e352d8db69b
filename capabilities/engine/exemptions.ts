import type { V1ObjectMeta } from "@kubernetes/client-node";
import { KubeObject, list, record } from "../k8s/object";
import type { PolicyResult } from "./result";
import { compileNamePattern, NAME_PATTERNS_MAX, NamePattern } from "./name-pattern";

export const EXEMPTION_GROUP = "policy.bonsai.dev";
export const EXEMPTION_VERSION = "v1alpha1";
export const EXEMPTION_API_VERSION = `${EXEMPTION_GROUP}/${EXEMPTION_VERSION}`;
export const EXEMPTION_KIND = "Exemption";

/** A validated exemption, ready to match results. */
export interface Exemption {
  name: string;
  reason: string;
  /** policy name -> rule names ("*" or an empty list means every rule of the policy). */
  policies: Map<string, Set<string>>;
  namespaces: Set<string>;
  kinds: Set<string>;
  /** Anchored RE2 patterns over the resource's name, matched in linear time; empty means any name. */
  names: NamePattern[];
}

export interface ExemptionProblem {
  path: string;
  message: string;
}

type Known = ReadonlyMap<string, readonly string[]>;

/** spec.policies: known policies and their rules ("*" or none: every rule). */
function parsePolicies(spec: Record<string, unknown>, known: Known, problems: ExemptionProblem[]) {
  const policies = new Map<string, Set<string>>();
  const entries = list(spec.policies);
  if (!entries.length)
    problems.push({
      path: "spec.policies",
      message: 'must list at least one {policy, rules} entry, e.g. {policy: "service-type", rules: ["loadbalancer"]}',
    });
  entries.forEach((entry, i) => {
    const e = record(entry);
    const policy = e?.policy;
    if (typeof policy !== "string" || !known.has(policy)) {
      problems.push({
        path: `spec.policies[${i}].policy`,
        message: `${JSON.stringify(policy)} is not a Bonsai policy; known policies: ${[...known.keys()].sort().join(", ")}`,
      });
      return;
    }
    const rules = list(e?.rules);
    const knownRules = known.get(policy)!;
    rules.forEach((rule, j) => {
      if (rule !== "*" && (typeof rule !== "string" || !knownRules.includes(rule))) {
        problems.push({
          path: `spec.policies[${i}].rules[${j}]`,
          message: `${JSON.stringify(rule)} is not a rule of ${policy}; its rules: ${knownRules.join(", ")} (or "*")`,
        });
      }
    });
    const set = policies.get(policy) ?? new Set<string>();
    for (const r of rules) set.add(String(r));
    policies.set(policy, set);
  });
  return policies;
}

/** spec.match: exact namespaces, optional kinds and name patterns (RE2, bounded). */
function parseMatch(spec: Record<string, unknown>, problems: ExemptionProblem[]) {
  const match = record(spec.match);
  if (!match)
    problems.push({ path: "spec.match", message: "is missing; say which namespaces (and kinds, names) it covers" });
  const namespaces = list(match?.namespaces);
  if (match && (!namespaces.length || namespaces.some(n => typeof n !== "string" || !n || n === "*"))) {
    problems.push({
      path: "spec.match.namespaces",
      message: "must list namespaces by exact name (no wildcards): an exemption is scoped to the namespaces it names",
    });
  }
  const kinds = list(match?.kinds);
  kinds.forEach((k, i) => {
    if (typeof k !== "string" || !/^[A-Z][A-Za-z0-9]*$/.test(k))
      problems.push({
        path: `spec.match.kinds[${i}]`,
        message: `${JSON.stringify(k)} is not a Kubernetes kind (e.g. Deployment)`,
      });
  });
  const names: NamePattern[] = [];
  const patterns = list(match?.names);
  if (patterns.length > NAME_PATTERNS_MAX)
    problems.push({
      path: "spec.match.names",
      message: `lists ${patterns.length} patterns; at most ${NAME_PATTERNS_MAX} (combine them with | or split the Exemption)`,
    });
  patterns.slice(0, NAME_PATTERNS_MAX).forEach((pattern, i) => {
    if (typeof pattern !== "string" || !pattern) {
      problems.push({ path: `spec.match.names[${i}]`, message: "must be a non-empty regular expression (RE2 syntax)" });
      return;
    }
    const compiled = compileNamePattern(pattern);
    if (compiled.pattern) names.push(compiled.pattern);
    else problems.push({ path: `spec.match.names[${i}]`, message: `${JSON.stringify(pattern)} ${compiled.problem}` });
  });
  return { namespaces: new Set(namespaces.map(String)), kinds: new Set(kinds.map(String)), names };
}

/**
 * Reads and validates an Exemption object. Every problem names the field path and the fix; an
 * exemption with any problem is not used (a half-understood exemption is worse than none).
 */
export function parseExemption(obj: KubeObject, known: Known): { exemption?: Exemption; problems: ExemptionProblem[] } {
  const problems: ExemptionProblem[] = [];
  const meta = record<V1ObjectMeta>(obj.metadata) ?? {};
  const spec = record(obj.spec);
  if (!spec)
    return {
      problems: [{ path: "spec", message: "is missing; an Exemption needs spec.reason, spec.policies and spec.match" }],
    };
  const reason = spec.reason;
  if (typeof reason !== "string" || reason.trim().length < 10) {
    problems.push({ path: "spec.reason", message: "must say why the exemption is needed (at least 10 characters)" });
  }
  const policies = parsePolicies(spec, known, problems);
  const match = parseMatch(spec, problems);
  if (problems.length) return { problems };
  return { problems, exemption: { name: String(meta.name ?? ""), reason: String(reason), policies, ...match } };
}

/** Whether the exemption covers this result: its policy and rule, the resource's namespace, kind and name. */
export function covers(exemption: Exemption, result: PolicyResult): boolean {
  const rules = exemption.policies.get(result.policy);
  if (!rules) return false;
  if (rules.size && !rules.has("*") && !rules.has(result.rule)) return false;
  const ref = result.resource;
  if (!exemption.namespaces.has(ref.namespace ?? "")) return false;
  if (exemption.kinds.size && !exemption.kinds.has(ref.kind)) return false;
  if (exemption.names.length && !exemption.names.some(re => re.test(ref.name))) return false;
  return true;
}

/** Turns covered fail/warn results into skips that name the exemption and its reason. */
export function applyExemptions(results: PolicyResult[], exemptions: readonly Exemption[]): PolicyResult[] {
  if (!exemptions.length) return results;
  return results.map(r => {
    if (r.result !== "fail" && r.result !== "warn") return r;
    const by = exemptions.find(e => covers(e, r));
    if (!by) return r;
    return {
      ...r,
      result: "skip",
      message: `exempted by Exemption ${by.name} (${by.reason}): ${r.message}`,
      properties: { ...r.properties, exemption: by.name },
    };
  });
}
