import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { CommandResult, commandResult } from "../command-result";
import {
  exitReport,
  startProcess,
  Started,
  stopProcesses,
  tail,
  waitFor,
  writePidFile,
} from "../controlplane/processes";

const REPO_ROOT = join(__dirname, "..", "..");
export const REMOTE_REPO = "bonsai.git";

function git(args: string[], cwd: string): CommandResult {
  return commandResult(
    spawnSync("git", args, { cwd, encoding: "utf8", timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }),
  );
}

function mustGit(args: string[], cwd: string): string {
  const r = git(args, cwd);
  if (r.code !== 0) throw new Error(`git ${args.join(" ")} (in ${cwd}) failed: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

export interface Pushed {
  commit: string;
  branch: string;
  /** Paths with changes that are not in the pushed commit (`git status --porcelain`): named, not deployed. */
  uncommitted: string[];
}

/**
 * A bare repository served over git smart HTTP on 127.0.0.1 by its own process (tools/flux/git-server-main.ts):
 * the remote the cluster's GitRepository points at when the cluster cannot reach the user's (the embedded plane,
 * a k3d cluster without a remote). Stopped by its PID.
 */
export class LoopbackGitRemote {
  private constructor(
    readonly url: string,
    readonly bareDir: string,
    readonly proc: Started,
    private readonly stateDir: string,
  ) {}

  static async start(stateDir: string, opts: { detach?: boolean } = {}): Promise<LoopbackGitRemote> {
    const root = join(stateDir, "git");
    const bare = join(root, REMOTE_REPO);
    mkdirSync(root, { recursive: true });
    if (!existsSync(join(bare, "HEAD"))) mustGit(["init", "--quiet", "--bare", "--initial-branch=main", bare], root);
    const portFile = join(stateDir, "git-server.port");
    rmSync(portFile, { force: true });
    const script = join(__dirname, "git-server-main.ts");
    const proc = startProcess(
      "git-server",
      process.execPath,
      ["--require", require.resolve("tsx/cjs", { paths: [REPO_ROOT] }), script, root, portFile],
      stateDir,
      { detach: opts.detach },
    );
    writePidFile(stateDir, [proc]);
    await waitFor("git server", async () => existsSync(portFile) && readFileSync(portFile, "utf8").trim() !== "", {
      timeoutMs: 30_000,
      dead: () => exitReport(proc),
      describe: () => tail(proc.log),
    });
    const port = Number(readFileSync(portFile, "utf8").trim());
    return new LoopbackGitRemote(`http://127.0.0.1:${port}/${REMOTE_REPO}`, bare, proc, stateDir);
  }

  /** Pushes `checkout`'s HEAD commit as `branch` (forced: the remote mirrors the checkout, it has no history of its own). */
  push(checkout: string, branch = "main"): Pushed {
    return pushHead(checkout, this.url, branch);
  }

  async stop(): Promise<void> {
    await stopProcesses([this.proc], this.stateDir);
    writePidFile(this.stateDir, []);
  }
}

export function pushHead(checkout: string, url: string, branch = "main"): Pushed {
  const commit = mustGit(["rev-parse", "HEAD"], checkout);
  mustGit(["push", "--quiet", "--force", url, `HEAD:refs/heads/${branch}`], checkout);
  const status = git(["status", "--porcelain=v1", "--untracked-files=all"], checkout).stdout;
  const uncommitted = status
    .split("\n")
    .filter(Boolean)
    .map(l => l.slice(3));
  return { commit, branch, uncommitted };
}
