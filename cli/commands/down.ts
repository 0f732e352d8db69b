import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { commandResult } from "../../tools/command-result";
import { ControlPlane } from "../../tools/controlplane/controlplane";
import { uninstallModule } from "../../tools/controlplane/pepr-deploy";
import { PeprDev } from "../../tools/controlplane/pepr-dev";
import { ensureKubeBinaries } from "../../tools/controlplane/binaries";
import { K3D_CONTEXT } from "../up/k3d";
import { stopGitOps } from "../up/gitops";
import { readUpRecord, stateDir, writeUpRecord } from "../up/state";
import { printHelp, runCommand } from "../run-command";

const HELP = `Usage: bonsai down [--guardrails-only]

Stops what \`bonsai up\` started: the k3d cluster, or the embedded control plane and module. The guardrails'
webhook configurations are removed first, then their controller, so nothing is left rejecting requests.

Options:
  --guardrails-only   remove only the guardrails (webhooks first, then the controller) from the cluster
                      \`bonsai up\` made, and leave the cluster running
  -h, --help          this text
`;

/** The guardrails out of the cluster, webhooks before the controller (pepr-deploy.ts). */
async function removeGuardrails(kubeconfig: string | undefined): Promise<string> {
  // The embedded plane's own kubectl and kubeconfig; on k3d the user's kubectl and the cluster's context.
  const [bin, target] = kubeconfig
    ? [ensureKubeBinaries().kubectl, `--kubeconfig=${kubeconfig}`]
    : ["kubectl", `--context=${K3D_CONTEXT}`];
  const kubectl = (args: string[]) =>
    commandResult(spawnSync(bin, [target, ...args], { encoding: "utf8", timeout: 60_000 }));
  const { webhooksGoneAfterMs } = await uninstallModule({ kubectl });
  return `guardrails removed (webhook configurations gone after ${webhooksGoneAfterMs} ms, then the controller)`;
}

/** Stops what `bonsai up` started, by the PIDs it recorded (never by process name). */
export function run(argv: string[]): Promise<number> {
  return runCommand("down", HELP, () => {
    const { values } = parseArgs({
      args: argv,
      options: {
        "guardrails-only": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    if (values.help) return printHelp(HELP);
    return down(values["guardrails-only"]);
  });
}

/** Everything `bonsai up` started, or with `guardrailsOnly` just the guardrails. */
async function down(guardrailsOnly: boolean): Promise<number> {
  const dir = stateDir();
  const record = readUpRecord(dir);
  const embeddedUp = record?.mode === "embedded" && !!record.kubeconfig && existsSync(record.kubeconfig);
  if (guardrailsOnly) {
    if (!record?.mode) {
      process.stderr.write(
        "bonsai down --guardrails-only: bonsai up has not run here (no record in the state directory)\n",
      );
      return 1;
    }
    process.stdout.write(`${await removeGuardrails(embeddedUp ? record.kubeconfig : undefined)}\n`);
    return 0;
  }
  if (record?.mode === "k3d") {
    const r = spawnSync("k3d", ["cluster", "delete", record.cluster ?? "bonsai"], { stdio: "inherit" });
    writeUpRecord(dir, undefined);
    return r.status === 0 ? 0 : 1;
  }
  const stopped: string[] = [];
  if (embeddedUp && !record?.peprDevPid) {
    try {
      stopped.push(await removeGuardrails(record.kubeconfig));
    } catch (err) {
      // The API server may be gone already; stopping the processes below still takes everything down.
      process.stderr.write(`bonsai down: could not remove the guardrails first: ${(err as Error).message}\n`);
    }
  }
  if (record?.peprDevPid && (await PeprDev.stopPid(record.peprDevPid)))
    stopped.push(`pepr dev (pid ${record.peprDevPid})`);
  stopped.push(...(await stopGitOps(dir)));
  stopped.push(...(await ControlPlane.stopStateDir(dir)));
  writeUpRecord(dir, undefined);
  process.stdout.write(stopped.length ? `Stopped: ${stopped.join(", ")}\n` : "Nothing was running.\n");
  return 0;
}
