import type { SpawnSyncReturns } from "node:child_process";

/** What a finished command said: its exit code and output, as the kubectl/git wrappers hand it on. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * spawnSync's answer as a CommandResult. A command that could not start or was killed at its timeout has no
 * exit status: its code is then -1 and the reason is appended to stderr, so a caller that prints stderr says why.
 */
export function commandResult(r: SpawnSyncReturns<string>): CommandResult {
  return {
    code: r.status ?? -1,
    stdout: r.stdout ?? "",
    stderr: (r.stderr ?? "") + (r.error ? String(r.error) : ""),
  };
}
