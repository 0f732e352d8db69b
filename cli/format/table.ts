import type { ReportList } from "../../capabilities/reports/policy-report";
import { emptySummary } from "../../capabilities/reports/policy-report";
import { refText } from "../../capabilities/k8s/object";

/**
 * Human-readable view: every result that is not a pass, in the reports' stable order, then a
 * summary line. Passes are counted, not listed, unless asked for.
 */
export function formatTable(list: ReportList, opts: { showPass?: boolean } = {}): string {
  const rows: string[][] = [];
  const total = emptySummary();
  for (const report of list.items) {
    for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += report.summary[key];
    for (const r of report.results) {
      if (r.result === "pass" && !opts.showPass) continue;
      rows.push([
        r.result.toUpperCase(),
        r.severity,
        `${r.policy}/${r.rule}`,
        refText(r.resources[0] ?? {}),
        r.message,
      ]);
    }
  }
  const header = ["RESULT", "SEVERITY", "POLICY/RULE", "RESOURCE", "MESSAGE"];
  const widths = header.slice(0, 4).map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .slice(0, 4)
      .map((c, i) => c.padEnd(widths[i]))
      .concat(cells[4])
      .join("  ");
  const summary = `${total.pass} pass, ${total.fail} fail, ${total.warn} warn, ${total.error} error, ${total.skip} skip`;
  if (!rows.length) return `No findings. ${summary}\n`;
  return [line(header), ...rows.map(line), "", summary].join("\n") + "\n";
}
