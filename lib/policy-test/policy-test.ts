import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative } from "node:path";
import { isRecord, list, refText } from "../../capabilities/k8s/object";
import type { Level } from "../../capabilities/engine/policy";
import type { PolicyResult, ResultStatus } from "../../capabilities/engine/result";
import { policyNamed } from "../../capabilities/engine/registry";
import { auditObjects } from "../audit/run-audit";
import { InputError, loadInputs, parseYamlValue } from "../render";

/** The file name of a policy's declarative test, beside its fixtures (Kyverno's kyverno-test.yaml, our shape). */
export const POLICY_TEST_FILE = "bonsai-test.yaml";

/** One expected verdict: this policy's rule gives this result on this resource ("Kind ns/name"). */
export interface Expectation {
  policy: string;
  rule: string;
  resource: string;
  result: ResultStatus;
}

export interface PolicyTest {
  file: string;
  name: string;
  /** Fixture files, relative to the test file. */
  resources: string[];
  profile: Level;
  mutate: boolean;
  expect: Expectation[];
}

export interface PolicyTestOutcome {
  test: PolicyTest;
  /** One line per expectation not met, and per fail/warn/error of a tested policy that no expectation names. */
  problems: string[];
  checked: number;
}

const STATUSES: readonly ResultStatus[] = ["pass", "fail", "warn", "error", "skip"];

/** Reads and validates a test file; every problem names the file, the field and the fix. */
export function readPolicyTest(file: string): PolicyTest {
  const bad = (path: string, msg: string) => new InputError(`${file}: ${path} ${msg}`);
  const doc = parseYamlValue(readFileSync(file, "utf8"), file);
  if (!isRecord(doc)) throw bad("(root)", "must be a mapping with name, resources and expect");
  const resources = list(doc.resources);
  if (!resources.length || resources.some(r => typeof r !== "string"))
    throw bad("resources", "must list the fixture files, relative to the test file");
  const profile = doc.profile ?? "restricted";
  if (profile !== "restricted" && profile !== "baseline") throw bad("profile", "must be restricted or baseline");
  const expectations = list(doc.expect).map((e, i): Expectation => {
    const where = `expect[${i}]`;
    if (!isRecord(e)) throw bad(where, "must be a mapping of policy, rule, resource and result");
    const { policy, rule, resource, result } = e;
    if (typeof policy !== "string" || !policyNamed(policy))
      throw bad(`${where}.policy`, `${JSON.stringify(policy)} is not a Bonsai policy`);
    if (typeof rule !== "string" || !rule)
      throw bad(`${where}.rule`, "must name a rule (or the pass result, e.g. all)");
    if (typeof resource !== "string" || !resource) throw bad(`${where}.resource`, 'must be "Kind namespace/name"');
    if (!STATUSES.includes(result as ResultStatus))
      throw bad(`${where}.result`, `must be one of ${STATUSES.join(", ")}`);
    return { policy, rule, resource, result: result as ResultStatus };
  });
  if (!expectations.length) throw bad("expect", "must list at least one expected result");
  return {
    file,
    name: typeof doc.name === "string" && doc.name ? doc.name : relative(process.cwd(), dirname(file)),
    resources: resources as string[],
    profile,
    mutate: doc.mutate === true,
    expect: expectations,
  };
}

const sameVerdict = (r: PolicyResult, e: Omit<Expectation, "result">) =>
  r.policy === e.policy && r.rule === e.rule && refText(r.resource) === e.resource;

/**
 * Audits a test's fixtures as `bonsai audit` would and compares: each expectation must be met, and every fail,
 * warn or error of a policy the test names must be expected (a fixture that breaks more than it says fails).
 */
export function runPolicyTest(test: PolicyTest): PolicyTestOutcome {
  const inputs = loadInputs(test.resources, dirname(test.file));
  const results = auditObjects(inputs, { level: test.profile, mutate: test.mutate });
  const problems: string[] = [];
  for (const e of test.expect) {
    const got = results.filter(r => sameVerdict(r, e));
    if (!got.some(r => r.result === e.result))
      problems.push(
        `expected ${e.policy}/${e.rule} ${e.result} on ${e.resource}, got ${got.map(r => r.result).join(", ") || "no such result"}`,
      );
  }
  const tested = new Set(test.expect.map(e => e.policy));
  for (const r of results) {
    if (!tested.has(r.policy) || r.result === "pass" || r.result === "skip") continue;
    if (!test.expect.some(e => sameVerdict(r, e) && e.result === r.result))
      problems.push(`unexpected ${r.policy}/${r.rule} ${r.result} on ${refText(r.resource)}: ${r.message}`);
  }
  return { test, problems, checked: test.expect.length };
}

/** Every test file under the given files and folders (hidden folders and node_modules skipped). */
export function findPolicyTests(paths: string[], cwd = process.cwd()): string[] {
  const out: string[] = [];
  const visit = (path: string) => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) throw new InputError(`${relative(cwd, path) || path}: no such file or directory`);
    if (stat.isFile()) return void out.push(path);
    for (const entry of readdirSync(path).sort()) {
      if (entry.startsWith(".") || entry === "node_modules") continue;
      const child = join(path, entry);
      if (entry === POLICY_TEST_FILE) out.push(child);
      else if (statSync(child).isDirectory()) visit(child);
    }
  };
  for (const p of paths) visit(isAbsolute(p) ? p : join(cwd, p));
  return out;
}
