import type { ReportList } from "../../capabilities/reports/policy-report";

/**
 * Each tool's output read back into one set per question: which objects did it flag. Objects are named
 * `Kind/namespace/name`, the same for every tool. The parsers read files these tools just wrote in the
 * benchmark's own run: line splits and JSON only, no regular expressions over the output.
 */
export type Flagged = Set<string>;

export const objectKey = (kind: string, namespace: string | undefined, name: string): string =>
  `${kind}/${namespace ?? ""}/${name}`;

/** `bonsai audit --format json`: objects with a fail or error result, in all and in the PSS policy alone. */
export function bonsaiFlagged(json: string): { any: Flagged; pss: Flagged; objects: number } {
  const list = JSON.parse(json) as ReportList;
  const any: Flagged = new Set();
  const pss: Flagged = new Set();
  const all = new Set<string>();
  for (const report of list.items)
    for (const r of report.results) {
      const res = r.resources[0];
      const key = objectKey(res.kind, res.namespace, res.name);
      all.add(key);
      if (r.result !== "fail" && r.result !== "error") continue;
      any.add(key);
      if (r.policy === "pod-security-standards") pss.add(key);
    }
  return { any, pss, objects: all.size };
}

/**
 * `kyverno apply` without --policy-report prints, per failing resource, a line
 * `policy <name> -> resource <namespace>/<Kind>/<name> failed:` and at the end `pass: N, fail: N, …`.
 */
export function kyvernoFlagged(text: string): { flagged: Flagged; summary: string } {
  const flagged: Flagged = new Set();
  let summary = "";
  for (const line of text.split("\n")) {
    if (line.startsWith("pass: ")) summary = line.trim();
    const at = line.indexOf(" -> resource ");
    if (!line.startsWith("policy ") || at < 0 || !line.endsWith(" failed:")) continue;
    const [namespace, kind, name] = line.slice(at + " -> resource ".length, -" failed:".length).split("/");
    flagged.add(objectKey(kind, namespace, name));
  }
  return { flagged, summary };
}

interface KubeScoreObject {
  type_meta: { kind: string };
  object_meta: { name: string; namespace?: string };
  checks: { check: { id: string }; grade: number; skipped: boolean }[] | null;
}
/** kube-score's grades: 1 critical, 5 warning, 7 almost OK, 10 all OK. */
const KUBE_SCORE_CRITICAL = 1;

/**
 * `kube-score score -o json`: objects with a critical check, in all and in its container security-context
 * checks alone (the ones that overlap with the Pod Security Standards).
 */
export function kubeScoreFlagged(json: string): { any: Flagged; security: Flagged; checks: string[] } {
  const objects = JSON.parse(json) as KubeScoreObject[];
  const any: Flagged = new Set();
  const security: Flagged = new Set();
  const critical = new Map<string, number>();
  for (const o of objects) {
    const key = objectKey(o.type_meta.kind, o.object_meta.namespace, o.object_meta.name);
    for (const c of o.checks ?? []) {
      if (c.skipped || c.grade !== KUBE_SCORE_CRITICAL) continue;
      any.add(key);
      critical.set(c.check.id, (critical.get(c.check.id) ?? 0) + 1);
      if (c.check.id.startsWith("container-security-context")) security.add(key);
    }
  }
  const checks = [...critical].sort((a, b) => b[1] - a[1]).map(([id, n]) => `${id}: ${n}`);
  return { any, security, checks };
}

interface KubeconformOutput {
  resources: { kind: string; name: string; status: string }[] | null;
  summary: { valid: number; invalid: number; errors: number; skipped: number };
}

/** `kubeconform -output json -summary`: the resources it did not find valid (it lists only those). */
export function kubeconformFlagged(json: string): { flagged: Flagged; summary: KubeconformOutput["summary"] } {
  const out = JSON.parse(json) as KubeconformOutput;
  // kubeconform's JSON names no namespace; the benchmark's names are unique across namespaces.
  const flagged: Flagged = new Set((out.resources ?? []).map(r => `${r.kind}/?/${r.name}`));
  return { flagged, summary: out.summary };
}

/** How two flagged sets agree: both, only the first, only the second, with a few examples of each. */
export function compareFlagged(a: Flagged, b: Flagged) {
  const onlyA = [...a].filter(k => !b.has(k));
  const onlyB = [...b].filter(k => !a.has(k));
  return {
    both: a.size - onlyA.length,
    onlyFirst: onlyA.length,
    onlySecond: onlyB.length,
    same: onlyA.length === 0 && onlyB.length === 0,
    examplesOnlyFirst: onlyA.slice(0, 3),
    examplesOnlySecond: onlyB.slice(0, 3),
  };
}
