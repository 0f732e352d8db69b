import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { ReportList } from "../../capabilities/reports/policy-report";
import { REPO } from "./rendered";

/** `bonsai audit --format json <paths…>` as users run it (the CLI, from the repository root), results flattened. */
export function auditCli(paths: string[]) {
  const r = spawnSync(process.execPath, [join(REPO, "bin", "bonsai.js"), "audit", "--format", "json", ...paths], {
    cwd: REPO,
    encoding: "utf8",
    timeout: 300_000,
  });
  const results =
    r.status === 0 || r.status === 1 ? (JSON.parse(r.stdout) as ReportList).items.flatMap(i => i.results) : [];
  return { status: r.status, stderr: r.stderr, results };
}
