import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { commandResult } from "../../tools/command-result";
import { ensureKubeBinaries } from "../../tools/controlplane/binaries";
import { ensureSopsKeySecret, secretsInit, secretsShow } from "../up/secrets";
import { readUpRecord, stateDir } from "../up/state";
import { printHelp, runCommand, UsageError } from "../run-command";

const HELP = `Usage: bonsai secrets init
       bonsai secrets show NAME

init  Creates your age key outside git (BONSAI_AGE_KEY_FILE, default ~/.bonsai/age.key) unless it exists,
      generates a random password for every Secret the platform reads (PostgreSQL, pgAdmin, Grafana, ...),
      writes each SOPS-encrypted to apps/secrets/ of this repository with the secrets layer
      (clusters/local/layer-secrets.yaml) and .sops.yaml, and creates the sops-age Secret in the cluster
      \`bonsai up\` started (or \`bonsai up\` does it next time). Existing secret files are kept. Commit the files.
show  Decrypts one of them (NAME or namespace/NAME, e.g. grafana-admin) with your key and prints its values.
`;

/** The repository the command runs in (the user's fork), or this checkout. */
function tree(): string {
  const r = spawnSync("git", ["rev-parse", "--show-toplevel"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : process.cwd();
}

function embeddedKubectl() {
  const record = readUpRecord(stateDir());
  const kubeconfig = record?.mode === "embedded" ? record.kubeconfig : undefined;
  if (!kubeconfig || !existsSync(kubeconfig)) return undefined;
  return (args: string[], input?: string) =>
    commandResult(
      spawnSync(ensureKubeBinaries().kubectl, [`--kubeconfig=${kubeconfig}`, ...args], { input, encoding: "utf8" }),
    );
}

export function run(argv: string[]): Promise<number> {
  return runCommand("secrets", HELP, () => {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { help: { type: "boolean", short: "h", default: false } },
    });
    if (values.help) return printHelp(HELP);
    const [sub, name] = positionals;
    if (!sub) {
      process.stdout.write(HELP);
      return 2;
    }
    if (sub !== "init" && sub !== "show") throw new UsageError(`unknown subcommand ${sub}`);
    if (sub === "show" && !name) throw new UsageError("show needs a NAME (e.g. grafana-admin)");
    const takes = sub === "init" ? 1 : 2;
    if (positionals.length > takes) throw new UsageError(`unexpected argument ${positionals.slice(takes).join(" ")}`);
    try {
      return sub === "init" ? init() : show(name);
    } catch (err) {
      process.stderr.write(`bonsai secrets: ${(err as Error).message}\n`);
      return 1;
    }
  });
}

function init(): number {
  const r = secretsInit(tree());
  const lines = [
    r.keyCreated ? `created your age key ${r.keyFile} (keep it safe, outside git)` : `using your age key ${r.keyFile}`,
    ...r.written.map(f => `wrote ${f} (SOPS-encrypted)`),
    ...r.kept.map(f => `kept ${f}`),
    "wrote apps/secrets/kustomization.yaml, clusters/local/layer-secrets.yaml and .sops.yaml: commit them",
  ];
  const kubectl = embeddedKubectl();
  if (kubectl) lines.push(`sops-age Secret in the running embedded cluster: ${ensureSopsKeySecret(kubectl)}`);
  process.stdout.write(lines.join("\n") + "\n");
  return 0;
}

function show(name: string): number {
  const s = secretsShow(tree(), name);
  process.stdout.write([`# ${s.file}`, ...Object.entries(s.values).map(([k, v]) => `${k}: ${v}`)].join("\n") + "\n");
  return 0;
}
