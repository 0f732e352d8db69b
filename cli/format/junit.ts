import type { ReportList, ReportResult } from "../../capabilities/reports/policy-report";
import { refText } from "../../capabilities/k8s/object";

const escape = (s: string) =>
  s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;")
    // XML 1.0 forbids most control characters even when escaped.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, "");

const resourceName = (r: ReportResult) => refText(r.resources[0] ?? {});

/** JUnit XML as CI systems read it: a testsuite per policy, a testcase per resource and rule. */
export function formatJunit(list: ReportList): string {
  const byPolicy = new Map<string, ReportResult[]>();
  for (const r of list.items.flatMap(i => i.results)) byPolicy.set(r.policy, [...(byPolicy.get(r.policy) ?? []), r]);
  const suites = [...byPolicy.keys()].sort().map(policy => {
    const results = byPolicy.get(policy)!;
    const count = (k: string) => results.filter(r => r.result === k).length;
    const cases = results.map(r => {
      const name = escape(`${r.rule} ${resourceName(r)}`);
      const body =
        r.result === "fail" || r.result === "warn"
          ? `<failure message="${escape(r.message)}" type="${escape(`${r.result}:${r.severity}`)}">${escape(r.message)}</failure>`
          : r.result === "error"
            ? `<error message="${escape(r.message)}" type="error">${escape(r.message)}</error>`
            : r.result === "skip"
              ? `<skipped message="${escape(r.message)}"/>`
              : "";
      return `    <testcase classname="${escape(policy)}" name="${name}">${body}</testcase>`;
    });
    return [
      `  <testsuite name="${escape(policy)}" tests="${results.length}" failures="${count("fail") + count("warn")}" errors="${count("error")}" skipped="${count("skip")}">`,
      ...cases,
      "  </testsuite>",
    ].join("\n");
  });
  const total = list.items.flatMap(i => i.results);
  const n = (k: string) => total.filter(r => r.result === k).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="bonsai" tests="${total.length}" failures="${n("fail") + n("warn")}" errors="${n("error")}" skipped="${n("skip")}">`,
    ...suites,
    "</testsuites>",
    "",
  ].join("\n");
}
