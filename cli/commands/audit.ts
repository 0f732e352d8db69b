import { parseArgs } from "node:util";
import { buildReports } from "../../capabilities/reports/policy-report";
import { FORMATS, isFormat, render } from "../format";
import { InputError, loadInputs } from "../../lib/render";
import { auditObjects } from "../../lib/audit/run-audit";
import { runPolicyTests } from "../audit/policy-tests";

const HELP = `Usage: bonsai audit [options] <path>...

Evaluates Bonsai's guardrails offline over YAML files (multi-document and List objects included),
directories (recursively) and kustomization roots (rendered with kustomize). "-" reads standard input.

Options:
  --format <f>     ${FORMATS.join("|")} (default: table); sarif is SARIF 2.1.0 for code scanning,
                   junit is JUnit XML for CI test reports
  --mutate         judge objects as the cluster would admit them, after the module's mutations
  --profile <p>    Pod Security Standards profile: restricted (default) or baseline
  --show-pass      list passing results in the table too
  --test           run the policy tests (bonsai-test.yaml: fixtures and expected results) under the paths
  -h, --help       this text

Exit codes: 0 nothing failed, 1 at least one fail or error result, 2 bad usage or unreadable input.
`;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: "string", default: "table" },
        mutate: { type: "boolean", default: false },
        profile: { type: "string", default: "restricted" },
        "show-pass": { type: "boolean", default: false },
        test: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`bonsai audit: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const usageError = (msg: string) => {
    process.stderr.write(`bonsai audit: ${msg}\n\n${HELP}`);
    return 2;
  };
  if (!positionals.length) return usageError("no path given");
  if (!isFormat(values.format)) return usageError(`unknown --format "${values.format}" (use ${FORMATS.join(", ")})`);
  if (values.profile !== "restricted" && values.profile !== "baseline")
    return usageError(`unknown --profile "${values.profile}" (use restricted or baseline)`);

  let inputs;
  try {
    if (values.test) return runPolicyTests(positionals, line => process.stdout.write(`${line}\n`));
    inputs = loadInputs(positionals);
  } catch (err) {
    if (err instanceof InputError) {
      process.stderr.write(`bonsai audit: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const results = auditObjects(inputs, { level: values.profile, mutate: values.mutate });
  const list = buildReports(results, "bonsai-audit");
  process.stdout.write(render(list, values.format, { showPass: values["show-pass"] }));
  return results.some(r => r.result === "fail" || r.result === "error") ? 1 : 0;
}
