/**
 * The reference apps built from the repository, once per source change: a hash of the app's sources (and of
 * the lockfile) is stamped into the build output, and a matching stamp skips the build. `next build` takes about
 * a minute on two cores; the backend's tsc a few seconds.
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { REPO_ROOT } from "../../support/real/manifests";
import { runToCompletion } from "../../support/real/process";

export type AppName = "backend" | "frontend";

const SKIP = new Set(["node_modules", "dist", ".next", "next-env.d.ts"]);

function files(dir: string): string[] {
  return readdirSync(dir)
    .filter(n => !SKIP.has(n))
    .flatMap(n => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? files(p) : [p];
    })
    .sort();
}

export function sourceHash(app: AppName): string {
  const dir = join(REPO_ROOT, "reference-apps", app);
  const h = createHash("sha256");
  for (const f of [...files(dir), join(REPO_ROOT, "package-lock.json")])
    h.update(relative(REPO_ROOT, f)).update("\0").update(readFileSync(f)).update("\0");
  return h.digest("hex");
}

const npx = join(REPO_ROOT, "node_modules", ".bin");

/** Builds the app unless its output carries the current source hash; returns the output folder. */
export function ensureBuilt(app: AppName): string {
  const dir = join(REPO_ROOT, "reference-apps", app);
  const out = join(dir, app === "backend" ? "dist" : ".next");
  const stamp = join(out, ".bonsai-source-hash");
  const hash = sourceHash(app);
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === hash) return out;
  rmSync(out, { recursive: true, force: true });
  const env = { PATH: `${npx}:${process.env.PATH}`, HOME: process.env.HOME ?? "/root", NEXT_TELEMETRY_DISABLED: "1" };
  if (app === "backend")
    runToCompletion("tsc (reference-apps/backend)", join(npx, "tsc"), ["-p", "tsconfig.json"], {
      cwd: dir,
      env,
      timeoutMs: 180_000,
    });
  else {
    runToCompletion("next build (reference-apps/frontend)", join(npx, "next"), ["build"], {
      cwd: dir,
      env,
      timeoutMs: 600_000,
    });
    // As the Dockerfile does: the standalone server serves the static assets from beside itself.
    const standalone = join(out, "standalone", "reference-apps", "frontend");
    cpSync(join(out, "static"), join(standalone, ".next", "static"), { recursive: true });
    cpSync(join(dir, "public"), join(standalone, "public"), { recursive: true });
  }
  writeFileSync(stamp, hash);
  return out;
}

/** The standalone server of the frontend build (what the image runs). */
export const frontendServer = () =>
  join(REPO_ROOT, "reference-apps", "frontend", ".next", "standalone", "reference-apps", "frontend", "server.js");
export const backendMain = () => join(REPO_ROOT, "reference-apps", "backend", "dist", "main.js");
