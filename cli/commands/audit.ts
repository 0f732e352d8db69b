import { parseArgs } from "node:util";
import { buildReports } from "../../capabilities/reports/policy-report";
import { FORMATS, isFormat, writeRendered } from "../format";
import { loadInputs } from "../../lib/render";
import { printHelp, runCommand, UsageError } from "../run-command";
import { auditObjects } from "../../lib/audit/run-audit";
import { runPolicyTests } from "../audit/policy-tests";

const HELP = `Usage: bonsai audit [options] <path>...

Evaluates Bonsai's guardrails offline over YAML files (multi-document and List objects included),
directories (recursively) and kustomization roots (rendered with kustomize). "-" reads standard input.
A Flux entry folder (clusters/<cluster>) is followed into its layers: each Flux Kustomization's
spec.path rendered as Flux applies it, HelmReleases of our chart included.

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

export function run(argv: string[]): Promise<number> {
  return runCommand("audit", HELP, () => {
    const { values, positionals } = parseArgs({
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
    if (values.help) return printHelp(HELP);
    if (!positionals.length) throw new UsageError("no path given");
    if (!isFormat(values.format))
      throw new UsageError(`unknown --format "${values.format}" (use ${FORMATS.join(", ")})`);
    if (values.profile !== "restricted" && values.profile !== "baseline")
      throw new UsageError(`unknown --profile "${values.profile}" (use restricted or baseline)`);
    if (values.test) return runPolicyTests(positionals, line => process.stdout.write(`${line}\n`));
    const results = auditObjects(loadInputs(positionals), { level: values.profile, mutate: values.mutate });
    writeRendered(buildReports(results, "bonsai-audit"), values.format, chunk => process.stdout.write(chunk), {
      showPass: values["show-pass"],
    });
    return results.some(r => r.result === "fail" || r.result === "error") ? 1 : 0;
  });
}
