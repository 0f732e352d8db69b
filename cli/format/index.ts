import type { ReportList } from "../../capabilities/reports/policy-report";
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
