import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ordinal, type PolicyReport, type ReportList } from "../../capabilities/reports/policy-report";
import { cacheRoot } from "../../tools/cache";
import { KUBERNETES_VERSION } from "../../tools/controlplane/binaries";
import { FORMATS, isFormat, render } from "../format";
import { printHelp, runCommand, UsageError } from "../run-command";

const HELP = `Usage: bonsai report [options]

Reads the PolicyReports and ClusterPolicyReports of the cluster in your kubeconfig (the background scan and
every admission outcome, denials included) and prints them.

Options:
  --format <f>        ${FORMATS.join("|")} (default: table)
  -n, --namespace <ns>  only this namespace (and no ClusterPolicyReport)
  --kubeconfig <file> default: $KUBECONFIG, then ~/.kube/config
  --show-pass         list passing results in the table too
  -h, --help          this text

Exit codes: 0 nothing failed, 1 at least one fail or error result, 2 no cluster, no reports CRD, bad usage.
`;

/** The kubectl Bonsai built for the embedded control plane if there is one (it matches 1.35), else the PATH's. */
export function kubectlBinary(): string {
  const built = join(cacheRoot(), `kube-${KUBERNETES_VERSION}`, "kubectl");
  return existsSync(built) ? built : "kubectl";
}

export function run(argv: string[]): Promise<number> {
  return runCommand("report", HELP, () => report(argv));
}

function report(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      format: { type: "string", default: "table" },
      namespace: { type: "string", short: "n" },
      kubeconfig: { type: "string" },
      "show-pass": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return printHelp(HELP);
  if (!isFormat(values.format)) throw new UsageError(`unknown --format "${values.format}" (use ${FORMATS.join(", ")})`);
  const kubeconfig = values.kubeconfig ?? process.env.KUBECONFIG ?? join(homedir(), ".kube", "config");
  if (!existsSync(kubeconfig.split(":")[0])) {
    process.stderr.write(`bonsai report: no kubeconfig at ${kubeconfig}; run "bonsai up" or pass --kubeconfig\n`);
    return 2;
  }
  const get = (resource: string, scope: string[]) => {
    const r = spawnSync(kubectlBinary(), [`--kubeconfig=${kubeconfig}`, "get", resource, ...scope, "-o", "json"], {
      encoding: "utf8",
      timeout: 60_000,
      maxBuffer: 256 * 1024 * 1024,
    });
    if (r.error) throw new Error(`cannot run kubectl: ${r.error.message}`);
    if (r.status !== 0) {
      const msg = (r.stderr || "").trim();
      if (/the server doesn't have a resource type/.test(msg))
        throw new Error(`the cluster has no ${resource} CRD; apply apps/crds/policy-reports (the crds layer) first`);
      throw new Error(`reading ${resource} failed: ${msg}`);
    }
    return (JSON.parse(r.stdout) as { items: PolicyReport[] }).items;
  };
  let items: PolicyReport[];
  try {
    items = values.namespace
      ? get("policyreports.wgpolicyk8s.io", ["-n", values.namespace])
      : [...get("clusterpolicyreports.wgpolicyk8s.io", []), ...get("policyreports.wgpolicyk8s.io", ["-A"])];
  } catch (err) {
    process.stderr.write(`bonsai report: ${(err as Error).message}\n`);
    return 2;
  }
  items.sort(
    (a, b) =>
      ordinal(a.metadata.namespace ?? "", b.metadata.namespace ?? "") || ordinal(a.metadata.name, b.metadata.name),
  );
  const list: ReportList = { apiVersion: "v1", kind: "List", metadata: {}, items };
  process.stdout.write(render(list, values.format, { showPass: values["show-pass"] }));
  const bad = items.some(i => (i.summary?.fail ?? 0) > 0 || (i.summary?.error ?? 0) > 0);
  return bad ? 1 : 0;
}
