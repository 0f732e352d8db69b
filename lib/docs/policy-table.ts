import { POLICIES } from "../../capabilities/engine/registry";
import type { Policy } from "../../capabilities/engine/policy";

/** The markers around the generated part of docs/guardrails.md. */
export const BEGIN =
  "<!-- policy-table:begin (generated from capabilities/engine/registry.ts by `npm run docs:policies`) -->";
export const END = "<!-- policy-table:end -->";

const code = (s: string) => `\`${s}\``;
const cell = (s: string) => s.replace(/\|/g, "\\|");

function category(p: Policy): string {
  if (!p.levelCategories) return p.category;
  const levels = Object.entries(p.levelCategories).map(([level, c]) => `${c} for ${level}-level checks`);
  return levels.join("; ");
}

/** The policy table and the rule table, as markdown, from the registry alone. */
export function policyTables(policies: readonly Policy[] = POLICIES): string {
  const rows = [
    "| Policy | Kinds | Rules | Mode | Category |",
    "| --- | --- | --- | --- | --- |",
    ...policies.map(
      p =>
        `| ${code(p.name)} | ${p.kinds.join(", ")} | ${p.rules.map(r => code(r.id)).join(", ")} | ${p.mode} | ${cell(category(p))} |`,
    ),
    "",
    "| Policy | Rule | Severity | Level | What it requires |",
    "| --- | --- | --- | --- | --- |",
    ...policies.flatMap(p =>
      p.rules.map(r => `| ${code(p.name)} | ${code(r.id)} | ${r.severity} | ${r.level ?? ""} | ${cell(r.title)} |`),
    ),
  ];
  return rows.join("\n");
}

/** `doc` with its generated part replaced; throws when the markers are missing (nowhere to put the tables). */
export function withPolicyTables(doc: string, tables = policyTables()): string {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/guardrails.md lacks the markers ${BEGIN} ... ${END}`);
  return `${doc.slice(0, start + BEGIN.length)}\n\n${tables}\n\n${doc.slice(end)}`;
}
