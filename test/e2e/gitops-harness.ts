import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { provisionPendingClaims } from "../../cli/up/volumes";
import { releasePendingHelmReleases } from "../../cli/up/helm-releases";
import { FluxControllers } from "../../tools/flux/controllers";
import { LoopbackGitRemote, Pushed } from "../../tools/flux/git-remote";
import { requestReconcile, waitForLayers, WaitResult } from "../../tools/flux/status";
import { SYNC_NAME, syncObjects } from "../../tools/flux/sync";
import { E2eCluster, startCluster } from "./cluster";

const REPO = join(__dirname, "..", "..");

export interface GitOpsE2e {
  c: E2eCluster;
  flux: FluxControllers;
  remote: LoopbackGitRemote;
  /** A scratch clone of this checkout's HEAD: the tests commit to it and push it, never to the checkout. */
  clone: string;
  layers: string[];
  git(...args: string[]): string;
  /** Commits everything in the clone, pushes it, asks Flux to reconcile now, and waits for the layers to settle. */
  pushAndSettle(message: string, timeoutMs?: number): Promise<WaitResult & { pushed: Pushed; seconds: number }>;
  stop(): Promise<void>;
  diagnostics(): string;
}

/** Short intervals so that a test sees a retry within seconds (the committed layers say 10m/1m/5m). */
function shortenIntervals(clone: string): void {
  const dir = join(clone, "clusters", "local");
  for (const f of readdirSync(dir).filter(n => n.startsWith("layer-"))) {
    const text = readFileSync(join(dir, f), "utf8")
      .replace(/^ {2}interval: .*$/m, "  interval: 1m")
      .replace(/^ {2}retryInterval: .*$/m, "  retryInterval: 3s")
      .replace(/^ {2}timeout: .*$/m, "  timeout: 45s");
    writeFileSync(join(dir, f), text);
  }
}

/**
 * The embedded control plane with the guardrails (pepr dev), the real source- and kustomize-controller, a
 * loopback git remote holding a scratch clone of this checkout, and the entry point `flux bootstrap` would
 * apply, pointed at that remote. Claims are bound as k3s's local-path would (kwok runs no provisioner).
 */
export async function startGitOps(opts: { module?: boolean } = {}): Promise<GitOpsE2e> {
  const c = await startCluster({ module: opts.module ?? true });
  const work = mkdtempSync(join(tmpdir(), "bonsai-gitops-"));
  let flux: FluxControllers | undefined;
  let remote: LoopbackGitRemote | undefined;
  const progress = (m: string) => process.stderr.write(`[e2e] ${m}\n`);
  try {
    flux = await FluxControllers.start(c.cp, { stateDir: join(work, "flux"), progress, requeueDependency: "2s" });
    remote = await LoopbackGitRemote.start(work);
    const clone = join(work, "clone");
    const cloned = spawnSync("git", ["clone", "--quiet", "--no-hardlinks", REPO, clone], { encoding: "utf8" });
    if (cloned.status !== 0) throw new Error(`git clone failed: ${cloned.stderr}`);
    const git = (...args: string[]) => {
      const r = spawnSync("git", ["-c", "user.name=e2e", "-c", "user.email=e2e@example.com", ...args], {
        cwd: clone,
        encoding: "utf8",
      });
      if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
      return r.stdout.trim();
    };
    shortenIntervals(clone);
    git("commit", "--quiet", "-am", "e2e: short reconcile intervals");
    const layers = readdirSync(join(clone, "clusters", "local"))
      .filter(n => n.startsWith("layer-"))
      .map(n => n.slice("layer-".length, -".yaml".length));
    const kubectl = (args: string[], input?: string) => c.cp.kubectl(args, input);
    const bare = remote.bareDir;
    // What k3s's local-path provisioner and helm-controller do on a real cluster (cli/up/gitops.ts does the same).
    const claims = setInterval(() => {
      void provisionPendingClaims(c.cp, 0).catch(() => {});
      releasePendingHelmReleases(kubectl, { kube: ["--kubeconfig", c.cp.kubeconfig], gitDir: bare });
    }, 2000);
    const applied = kubectl(
      ["apply", "-f", "-"],
      syncObjects({ url: remote.url, path: "clusters/local", interval: "1m" })
        .map(o => stringify(o))
        .join("---\n"),
    );
    if (applied.code !== 0) throw new Error(`applying the entry point failed: ${applied.stderr}`);
    const r = remote;
    const f = flux;
    return {
      c,
      flux: f,
      remote: r,
      clone,
      layers,
      git,
      async pushAndSettle(message, timeoutMs = 150_000) {
        if (git("status", "--porcelain")) git("add", "-A");
        if (git("status", "--porcelain")) git("commit", "--quiet", "-m", message);
        const started = Date.now();
        const pushed = r.push(clone);
        requestReconcile(kubectl, "gitrepository", SYNC_NAME);
        const result = await waitForLayers(kubectl, {
          commit: pushed.commit,
          expect: [SYNC_NAME, ...layers],
          timeoutMs,
        });
        return { ...result, pushed, seconds: (Date.now() - started) / 1000 };
      },
      async stop() {
        clearInterval(claims);
        await r.stop();
        await f.stop();
        await c.stop();
      },
      diagnostics: () =>
        [
          c.diagnostics(),
          ...f.deadComponents(),
          f.logTail("kustomize-controller", 15),
          f.logTail("source-controller", 8),
        ].join("\n"),
    };
  } catch (err) {
    await remote?.stop();
    await flux?.stop();
    await c.stop();
    throw err;
  }
}

/** One line per layer, for failure messages. */
export function describeLayers(r: WaitResult): string {
  return [
    `source: ${r.source.ready} ${r.source.message}`,
    ...r.layers.map(l => `${l.name}: ${l.ready} ${l.reason} ${l.message.slice(0, 400)}`),
  ].join("\n");
}
