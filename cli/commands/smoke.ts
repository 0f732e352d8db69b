import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { clusterChecks } from "../smoke/cluster-checks";
import { DataTargets, kafkaCheck, pgbouncerCheck, urlChecks } from "../smoke/data-checks";
import { kubectlFor } from "../smoke/kube";
import { lokiCheck } from "../smoke/loki-check";
import { formatResult, runChecks } from "../smoke/runner";
import { K3D_CONTEXT } from "../up/k3d";
import { readUpRecord, stateDir } from "../up/state";
import { kubectlBinary } from "./report";
import { URLS } from "./up";
import { printHelp, runCommand, UsageError } from "../run-command";

const HELP = `Usage: bonsai smoke [options]

Checks what a user checks on day one, one line per result with the fix: the API server, every Deployment,
StatefulSet and DaemonSet Available, no pod restarting, every Secret a workload reads, the ingress certificate,
every URL "bonsai up" prints, Grafana's Loki data source and recent log lines, a transaction through PgBouncer with
the platform's credentials, a message through Kafka. On the embedded plane (kwok pods run no containers) the data
checks are skipped, each saying why. Every check has a timeout.

Options:
  --kubeconfig <file>   default: what "bonsai up" recorded, then $KUBECONFIG, then ~/.kube/config
  --context <name>      kubeconfig context (k3d: ${K3D_CONTEXT})
  --http <host:port>    where http:// URLs go (k3d: 127.0.0.1:8080)
  --https <host:port>   where https:// URLs go (k3d: 127.0.0.1:8443)
  --pgbouncer <h:p>     check this PgBouncer (default on k3d: a port-forward to Service infra/postgresql)
  --ca <file>           the local CA (default ~/.bonsai/ca/ca.crt)
  --timeout <seconds>   per check (default 20)
  -h, --help            this text

Exit codes: 0 nothing failed, 1 a check failed, 2 bad usage.
`;

const HOST_PORT = /^[A-Za-z0-9.-]{1,253}:\d{1,5}$/;

export function run(argv: string[]): Promise<number> {
  return runCommand("smoke", HELP, () => {
    const { values } = parseArgs({
      args: argv,
      options: {
        kubeconfig: { type: "string" },
        context: { type: "string" },
        http: { type: "string" },
        https: { type: "string" },
        pgbouncer: { type: "string" },
        ca: { type: "string" },
        timeout: { type: "string", default: "20" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    if (values.help) return printHelp(HELP);
    const timeoutS = Number(values.timeout);
    if (!Number.isFinite(timeoutS) || timeoutS <= 0 || timeoutS > 600)
      throw new UsageError(`--timeout must be a number of seconds between 0 and 600, not "${values.timeout}"`);
    for (const flag of ["http", "https", "pgbouncer"] as const)
      if (values[flag] !== undefined && !HOST_PORT.test(values[flag]!))
        throw new UsageError(`--${flag} must be host:port, not "${values[flag]}"`);
    return smoke(values, timeoutS * 1000);
  });
}

interface SmokeOptions {
  kubeconfig?: string;
  context?: string;
  http?: string;
  https?: string;
  pgbouncer?: string;
  ca?: string;
}

/** Every check against the cluster the options (or `bonsai up`'s record) name; exit 1 when one failed. */
async function smoke(values: SmokeOptions, timeoutMs: number): Promise<number> {
  const record = readUpRecord(stateDir());
  const k3d = record?.mode === "k3d" || values.context === K3D_CONTEXT;
  const kubeconfig =
    values.kubeconfig ??
    (record?.mode === "embedded" ? record.kubeconfig : undefined) ??
    process.env.KUBECONFIG ??
    join(homedir(), ".kube", "config");
  const target = [
    `--kubeconfig=${kubeconfig}`,
    ...(values.context ? [`--context=${values.context}`] : k3d ? [`--context=${K3D_CONTEXT}`] : []),
  ];
  const binary = kubectlBinary();
  const kubectl = kubectlFor(binary, target);
  const t: DataTargets = {
    http: values.http ?? (k3d ? "127.0.0.1:8080" : undefined),
    https: values.https ?? (k3d ? "127.0.0.1:8443" : undefined),
    pgbouncer: values.pgbouncer,
    caFile: values.ca ?? join(homedir(), ".bonsai", "ca", "ca.crt"),
    containers: k3d,
  };
  process.stdout.write(
    `bonsai smoke: ${k3d ? "k3d" : "embedded control plane"} (${existsSync(kubeconfig.split(":")[0]) ? kubeconfig : `no kubeconfig at ${kubeconfig}`})\n`,
  );
  const checks = [
    ...clusterChecks(kubectl, timeoutMs),
    ...urlChecks(URLS, t),
    lokiCheck(kubectl, t, timeoutMs),
    pgbouncerCheck(kubectl, { binary, target }, t, timeoutMs),
    kafkaCheck(kubectl, t, timeoutMs),
  ];
  const results = await runChecks(checks, timeoutMs, r => process.stdout.write(formatResult(r) + "\n"));
  const count = (s: string) => results.filter(r => r.outcome.status === s).length;
  process.stdout.write(`\n${count("pass")} passed, ${count("fail")} failed, ${count("skip")} skipped\n`);
  return count("fail") > 0 ? 1 : 0;
}
