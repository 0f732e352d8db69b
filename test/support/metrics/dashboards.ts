/**
 * Grafana dashboards of the metrics layer, read strictly: every query a panel runs, with the file, panel and
 * refId that name it in an error. A file that is not JSON, a panel without a data source or a target without
 * an expression is an error naming the file, never skipped.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { stringify } from "yaml";

export interface DashboardQuery {
  file: string;
  panel: string;
  refId: string;
  expr: string;
  datasourceUid: string;
}

const MAX_DASHBOARD_BYTES = 2 * 1024 * 1024;

interface Panel {
  title?: string;
  type?: string;
  datasource?: { uid?: string };
  targets?: { refId?: string; expr?: string; datasource?: { uid?: string } }[];
  panels?: Panel[];
}

export function dashboardQueries(file: string, repoRoot: string): DashboardQuery[] {
  const name = relative(repoRoot, file);
  if (statSync(file).size > MAX_DASHBOARD_BYTES) throw new Error(`${name}: larger than ${MAX_DASHBOARD_BYTES} bytes`);
  let doc: { uid?: unknown; title?: unknown; panels?: Panel[] };
  try {
    doc = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${name}: not valid JSON (${(err as Error).message})`);
  }
  if (typeof doc.uid !== "string" || typeof doc.title !== "string" || !Array.isArray(doc.panels))
    throw new Error(`${name}: a dashboard needs a string uid, a string title and a panels list`);
  const out: DashboardQuery[] = [];
  const walk = (panels: Panel[], path: string) =>
    panels.forEach((p, i) => {
      const where = `${name} ${path}[${i}] "${p.title ?? ""}"`;
      if (p.type === "row") return walk(p.panels ?? [], `${path}[${i}].panels`);
      if (!p.targets?.length) throw new Error(`${where}: a panel without targets shows nothing`);
      p.targets.forEach((t, j) => {
        const uid = t.datasource?.uid ?? p.datasource?.uid;
        if (!uid) throw new Error(`${where} targets[${j}]: no datasource uid`);
        if (typeof t.expr !== "string" || !t.expr.trim()) throw new Error(`${where} targets[${j}]: no expr`);
        out.push({
          file: name,
          panel: p.title ?? `#${i}`,
          refId: t.refId ?? String(j),
          expr: t.expr,
          datasourceUid: uid,
        });
      });
    });
  walk(doc.panels, "panels");
  return out;
}

export function dashboardFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter(f => f.endsWith(".json"))
    .sort()
    .map(f => join(dir, f));
}

/** Record name of a query in the rule file below: the error vmalert prints names it, and this maps it back. */
export const recordName = (i: number) => `dashboard_query_${i}`;

/**
 * The queries as one vmalert rule file (a recording rule each), so that `vmalert -dryRun` parses them with the
 * store's own MetricsQL parser.
 */
export function queriesAsRuleFile(queries: DashboardQuery[]): string {
  return stringify({
    groups: [{ name: "dashboard-queries", rules: queries.map((q, i) => ({ record: recordName(i), expr: q.expr })) }],
  });
}

/**
 * Parses every query with vmalert; the error names the dashboard file, panel and refId of the first bad one
 * (vmalert names the recording rule, which maps back to it).
 */
export function checkDashboardQueries(
  queries: DashboardQuery[],
  scratchDir: string,
  dryRun: (files: string[]) => string | undefined,
): string | undefined {
  const file = join(scratchDir, "dashboard-queries.yaml");
  writeFileSync(file, queriesAsRuleFile(queries));
  const err = dryRun([file]);
  if (!err) return undefined;
  const i = queries.findIndex((_, n) => err.includes(`"${recordName(n)}"`));
  if (i < 0) return err;
  const q = queries[i];
  return `${q.file} panel "${q.panel}" target ${q.refId}: ${err}`;
}
