import type { ReportList } from "../../capabilities/reports/policy-report";
import { writeJson } from "./json-pieces";
import { formatJunit } from "./junit";
import { formatSarif } from "./sarif";
import { formatTable } from "./table";
import pkg from "../../package.json";

export const FORMATS = ["table", "json", "sarif", "junit"] as const;
export type Format = (typeof FORMATS)[number];

export function isFormat(value: string): value is Format {
  return (FORMATS as readonly string[]).includes(value);
}

export function render(list: ReportList, format: Format, opts: { showPass?: boolean } = {}): string {
  switch (format) {
    case "json":
      return JSON.stringify(list, null, 2) + "\n";
    case "table":
      return formatTable(list, opts);
    case "sarif":
      return formatSarif(list, pkg.version);
    case "junit":
      return formatJunit(list);
  }
}

/**
 * What `render` returns, written through `write` (standard output's): JSON in batches of pieces (a List of
 * reports split down to its single results), so that a large audit never holds its whole JSON text at once.
 */
export function writeRendered(
  list: ReportList,
  format: Format,
  write: (chunk: string) => void,
  opts: { showPass?: boolean } = {},
): void {
  if (format === "json")
    writeJson(list, 4, write); // List → items → report → results → one result
  else write(render(list, format, opts));
}
