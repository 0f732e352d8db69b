import { parseArgs } from "node:util";
import type { AppliedLayer } from "../up/apply-layers";
import { upEmbedded } from "../up/embedded";
import type { GitOpsReport } from "../up/gitops";
import { K3D_CLUSTER, K3D_CONTEXT, k3dAvailable, upK3d } from "../up/k3d";
import { REPO_ROOT, stateDir, writeUpRecord } from "../up/state";
import { resolveCluster } from "../up/cluster";
import { printHelp, runCommand } from "../run-command";

const HELP = `Usage: bonsai up [--embedded] [--cluster <name>]

Brings the platform up. With Docker and k3d: the k3d cluster of clusters/<name>/k3d.yaml, Flux (or the
layers applied with kubectl), and the guardrails (npx pepr deploy). Without them: the embedded control
plane (etcd, kube-apiserver, controller-manager, scheduler, kwok) built from Go modules in a network
namespace of its own, the guardrails installed with "npx pepr deploy" (their pods run locally from the
built bundle), and every layer of clusters/<name> in order. The first embedded run builds Kubernetes from
source: expect 7-20 minutes on 2 cores; later runs start in seconds. Stop with "bonsai down".

On the embedded plane the real Flux source- and kustomize-controller (built from Go modules, first run
only) reconcile clusters/<name> from the checkout's HEAD, pushed to a git server on 127.0.0.1: commit
first, uncommitted changes are named and not deployed. Each layer is reported Ready or with the
controller's message; the exit code is 1 unless every layer is Ready.

Options:
  --cluster <name>  which folder of clusters/ (default local; multi-node: three nodes, docs/multi-node.md).
               The embedded plane registers one kwok node per node of its k3d.yaml; the module gets the
               settings of clusters/overlays/<name>/pepr-module after npx pepr deploy
  --embedded   use the embedded control plane even where k3d is available
  --no-flux    embedded: apply the layers in Flux's order with kubectl instead of running Flux
  -h, --help   this text
`;

/** What `bonsai up` prints and `bonsai smoke` checks (test/repo/ingress-urls.test.ts holds them to the tree). */
export const URLS = [
  "http://app.local:8080          frontend",
  "http://api.local:8080/api      backend",
  "https://grafana.bonsai.local:8443   Grafana",
  "https://kafka-ui.bonsai.local:8443  Kafka UI",
  "https://pgadmin.bonsai.local:8443   pgAdmin",
];

const summaryText = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([k, v]) => `${v} ${k}`)
    .join(", ");

const refusals = (denied: string[]) =>
  denied.length
    ? [`\n${denied.length} objects were refused:`, ...denied.map(d => `  - ${d}`)]
    : ["  no object was refused by the guardrails"];

export function run(argv: string[]): Promise<number> {
  return runCommand("up", HELP, () => {
    const { values } = parseArgs({
      args: argv,
      options: {
        embedded: { type: "boolean", default: false },
        cluster: { type: "string", default: "local" },
        "no-flux": { type: "boolean", default: false },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) return printHelp(HELP);
    return up(values);
  });
}

/** k3d where Docker and k3d exist (unless --embedded), otherwise the embedded control plane. */
async function up(values: { embedded: boolean; cluster: string; "no-flux": boolean }): Promise<number> {
  // Before anything starts: an unknown cluster is a usage error naming the folders there are.
  const cluster = resolveCluster(REPO_ROOT, values.cluster).name;
  const dir = stateDir();
  if (!values.embedded && k3dAvailable()) {
    writeUpRecord(dir, { mode: "k3d", cluster: K3D_CLUSTER, startedAt: new Date().toISOString() });
    const report = await upK3d(cluster);
    return printSummary(
      [
        `The platform is up on k3d (kubectl context ${K3D_CONTEXT}${report.flux ? ", reconciled by Flux" : ""}): clusters/${cluster}.`,
      ],
      { ...report, flux: report.fluxReport },
      [],
      "URLs:",
    );
  }
  process.stderr.write("bonsai up: Docker/k3d not available; using the embedded control plane\n");
  const report = await upEmbedded(dir, { flux: !values["no-flux"], cluster });
  return printSummary(
    [
      `The platform is up on the embedded control plane (pods are kwok fakes: scheduled and Running, no containers): clusters/${cluster}.`,
      `  kubeconfig: ${report.kubeconfig}`,
      `  export KUBECONFIG=${report.kubeconfig}`,
    ],
    report,
    [`  pods Running: ${report.pods.running}/${report.pods.total}`],
    "URLs (on k3d; the embedded plane has no ingress data path):",
  );
}

/** What either path prints when it is done; exit 1 when an object was refused. */
function printSummary(
  head: string[],
  report: { applied: AppliedLayer[]; violations: Record<string, number>; notes: string[]; flux?: GitOpsReport },
  state: string[],
  urlsTitle: string,
): number {
  const denied = report.applied.flatMap(l => l.denied);
  const flux = report.flux;
  const lines = [
    "",
    ...head,
    ...(flux ? fluxLines(flux) : []),
    ...report.applied.map(
      l => `  layer ${l.layer.padEnd(12)} ${String(l.objects).padStart(4)} objects, ${l.denied.length} refused`,
    ),
    ...state,
    `  guardrails on what is running: ${summaryText(report.violations)}`,
    ...report.notes.map(n => `  note: ${n}`),
    `  ${urlsTitle}`,
    ...URLS.map(u => `    ${u}`),
    ...refusals(denied),
    "",
    'Stop everything with "bonsai down".',
    "",
  ];
  process.stdout.write(lines.join("\n"));
  return denied.length || (flux && !flux.ok) ? 1 : 0;
}

/** Per layer what kustomize-controller says: Ready, or its reason and message (a Bonsai denial included). */
function fluxLines(flux: GitOpsReport): string[] {
  const source = flux.source.ready === "True" ? [] : [`  source flux-system NOT READY: ${flux.source.message}`];
  return [
    `  reconciled by Flux (source- and kustomize-controller) from ${flux.url} at ${flux.commit.slice(0, 12)}:`,
    ...source,
    ...flux.layers.map(l =>
      l.ready === "True"
        ? `  layer ${l.name.padEnd(12)} Ready`
        : `  layer ${l.name.padEnd(12)} NOT READY (${l.reason || "no status yet"}): ${l.message}`,
    ),
  ];
}
