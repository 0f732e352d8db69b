import { relative } from "node:path";
import { findPolicyTests, readPolicyTest, runPolicyTest } from "../../lib/policy-test/policy-test";

/**
 * `bonsai audit --test <path>...`: runs every bonsai-test.yaml under the paths (a policy's fixtures and its
 * expected results) and prints one line per test, then each problem. Returns the exit code: 1 when any failed.
 */
export function runPolicyTests(paths: string[], out: (line: string) => void, cwd = process.cwd()): number {
  const files = findPolicyTests(paths, cwd);
  if (!files.length) {
    out(`no bonsai-test.yaml under ${paths.join(", ")}`);
    return 1;
  }
  let failed = 0;
  for (const file of files) {
    const outcome = runPolicyTest(readPolicyTest(file));
    const where = relative(cwd, file);
    if (outcome.problems.length) failed++;
    out(
      `${outcome.problems.length ? "FAIL" : "PASS"} ${outcome.test.name} (${where}, ${outcome.checked} expected results)`,
    );
    for (const p of outcome.problems) out(`  - ${p}`);
  }
  out(`${files.length - failed} of ${files.length} policy tests passed`);
  return failed ? 1 : 0;
}
