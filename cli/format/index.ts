import type { ReportList } from "../../capabilities/reports/policy-report";
import { formatTable } from "./table";

export const FORMATS = ["table", "json"] as const;
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
  }
}
