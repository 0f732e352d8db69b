import { parseArgs } from "node:util";
import { collectFootprint } from "../../lib/footprint/collect";
import { MAC_MINI } from "../../lib/footprint/verdict";
import { formatFootprint } from "../../lib/footprint/format";
import { printHelp, runCommand, UsageError } from "../run-command";

const HELP = `Usage: bonsai footprint [options] [path...]

Renders the platform and sums the requests and limits (CPU, memory) and persistent storage of everything
it runs, per namespace and in total, against a ${MAC_MINI.hostMemoryGiB} GB Mac Mini whose Docker VM gets ${MAC_MINI.dockerVmMemoryGiB} GB (the platform's
memory requests must stay within ${MAC_MINI.memoryRequestsTargetGiB} GiB).

Without paths: the Flux Kustomizations of clusters/local (each spec.path rendered with kustomize), or every
kustomization root under apps/ when there are none; HelmReleases of our charts rendered with helm; the
module's controller from dist/pepr-module-*.yaml when built; k3s's bundled CoreDNS and metrics-server.

Options:
  --format <f>   table|json (default: table)
  --details      list every workload in the table
  --no-k3s       leave out k3s's bundled components
  -h, --help     this text

Exit codes: 0 fits, 1 does not fit, 2 bad usage or unreadable input.
`;

export function run(argv: string[]): Promise<number> {
  return runCommand("footprint", HELP, () => {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: "string", default: "table" },
        details: { type: "boolean", default: false },
        "no-k3s": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    if (values.help) return printHelp(HELP);
    if (values.format !== "table" && values.format !== "json")
      throw new UsageError(`unknown --format "${values.format}" (use table, json)`);
    const report = collectFootprint({ paths: positionals, k3s: !values["no-k3s"], cwd: process.cwd() });
    process.stdout.write(
      values.format === "json" ? JSON.stringify(report, null, 2) + "\n" : formatFootprint(report, values.details),
    );
    return report.verdict.fits ? 0 : 1;
  });
}
