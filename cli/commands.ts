export interface Command {
  summary: string;
  run(argv: string[]): Promise<number>;
}

/**
 * Every subcommand lives in cli/commands/<name>.ts and is listed here; loaded lazily so that
 * `bonsai audit` does not pay for the control-plane code of `bonsai up`.
 */
const lazy = (summary: string, load: () => Promise<{ run(argv: string[]): Promise<number> }>): Command => ({
  summary,
  run: async argv => (await load()).run(argv),
});

export const COMMANDS: Record<string, Command> = {
  up: lazy(
    "Bring the platform up: k3d where Docker and k3d exist, otherwise the embedded control plane",
    () => import("./commands/up"),
  ),
  down: lazy("Stop what `bonsai up` started", () => import("./commands/down")),
  report: lazy(
    "Print the cluster's PolicyReports (scan and admission outcomes) as table, json, sarif or junit",
    () => import("./commands/report"),
  ),
  audit: lazy(
    "Evaluate the guardrails offline over YAML files, directories and kustomization roots",
    () => import("./commands/audit"),
  ),
  smoke: lazy(
    "Check the running platform as a user would on day one: pass/fail per line with the fix",
    () => import("./commands/smoke"),
  ),
  secrets: lazy(
    "Generate the platform's passwords SOPS-encrypted for your age key (init), or show one (show NAME)",
    () => import("./commands/secrets"),
  ),
  footprint: lazy(
    "Sum the platform's requests and limits and say whether it fits the Mac Mini",
    () => import("./commands/footprint"),
  ),
};

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map(n => n.length));
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`);
  return `Usage: bonsai <command> [options]\n\nCommands:\n${lines.join("\n")}\n\nRun "bonsai <command> --help" for a command's options.\n`;
}
