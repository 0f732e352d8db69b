import type { ReportList, ReportResult } from "../../capabilities/reports/policy-report";
import { describeRule } from "../../capabilities/engine/registry";
import { refText } from "../../capabilities/k8s/object";

/** SARIF 2.1.0 (what code-scanning tools ingest): one run, one rule per policy/rule, one result per non-pass. */
const LEVEL: Record<string, "error" | "warning" | "note" | undefined> = {
  fail: "error",
  error: "error",
  warn: "warning",
  skip: "note",
  pass: undefined,
};

/** The file a result came from, without the loader's annotations ("(document 2)", "(kustomize)", "items[0]"). */
function artifactUri(source: string | undefined): string | undefined {
  if (!source || source === "<stdin>") return undefined;
  const path = source
    .replace(/ \(.*$/, "")
    .replace(/ items\[\d+\]$/, "")
    .trim();
  return path || undefined;
}

const resourceName = (r: ReportResult) => refText(r.resources[0] ?? {});

export function formatSarif(list: ReportList, toolVersion: string): string {
  // Skips are findings only when an exemption covers a violation; "no policy applies" is not one.
  const all = list.items
    .flatMap(r => r.results)
    .filter(r => LEVEL[r.result] && (r.result !== "skip" || r.properties?.exemption));
  const ruleIds = [...new Set(all.map(r => `${r.policy}/${r.rule}`))].sort();
  const first = new Map<string, ReportResult>();
  for (const r of all) if (!first.has(`${r.policy}/${r.rule}`)) first.set(`${r.policy}/${r.rule}`, r);
  const rules = ruleIds.map(id => {
    const r = first.get(id)!;
    return {
      id,
      name: id.replace(/[^A-Za-z0-9]+/g, "_"),
      shortDescription: { text: `${r.policy}: ${r.rule}` },
      fullDescription: { text: describeRule(r.policy, r.rule) ?? `${r.policy}: ${r.rule}` },
      defaultConfiguration: { level: LEVEL[r.result] === "note" ? "warning" : "error" },
      properties: { category: r.category, severity: r.severity, tags: [r.category] },
    };
  });
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const results = all.map(r => {
    const uri = artifactUri(r.properties?.source);
    const exemption = r.properties?.exemption;
    return {
      ruleId: `${r.policy}/${r.rule}`,
      ruleIndex: index.get(`${r.policy}/${r.rule}`)!,
      level: LEVEL[r.result]!,
      message: { text: `${resourceName(r)}: ${r.message}` },
      locations: [
        {
          ...(uri ? { physicalLocation: { artifactLocation: { uri } } } : {}),
          logicalLocations: [{ name: resourceName(r), kind: "resource" }],
        },
      ],
      ...(exemption
        ? { suppressions: [{ kind: "external", status: "accepted", justification: `Exemption ${exemption}` }] }
        : {}),
      properties: { category: r.category, severity: r.severity, result: r.result },
    };
  });
  const sarif = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: "bonsai", version: toolVersion, rules } },
        results,
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + "\n";
}
