import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Root of every tool and fixture Bonsai builds or downloads; keyed by version below it. */
export function cacheRoot(): string {
  return process.env.BONSAI_CACHE ?? join(homedir(), ".cache", "bonsai");
}

export function cacheDir(...parts: string[]): string {
  const dir = join(cacheRoot(), ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Fails with a message that names what is missing instead of an ENOENT deep inside a test. */
export function requireGo(): string {
  try {
    return execFileSync("go", ["version"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(
      "Go is required to build Bonsai's tools (kube-apiserver, helm, fixtures) but `go` was not found on PATH. " +
        "Install Go 1.26 or newer, make sure the Go module proxy is reachable, and run again.",
    );
  }
}

/**
 * Downloads one module version through the Go module proxy and returns its directory in the module cache.
 * `go mod download` is content-addressed and safe to run concurrently.
 */
export function goModDownload(modulePath: string, version: string): string {
  requireGo();
  const out = execFileSync("go", ["mod", "download", "-json", `${modulePath}@${version}`], {
    encoding: "utf8",
    env: { ...process.env, GOFLAGS: "-mod=mod" },
    cwd: cacheDir(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  const info = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!info.Dir) {
    throw new Error(`go mod download ${modulePath}@${version} failed: ${info.Error ?? out}`);
  }
  return info.Dir;
}

/**
 * Builds a Go command once per version with `go install` and caches the binary under
 * ~/.cache/bonsai/bin/<name>-<version>/. A marker file is written last, so an interrupted build is redone.
 */
export function goInstallCached(opts: {
  name: string;
  version: string;
  pkg: string;
  env?: Record<string, string>;
}): string {
  const dir = join(cacheRoot(), "bin", `${opts.name}-${opts.version}`);
  const bin = join(dir, opts.name);
  const marker = join(dir, ".complete");
  if (existsSync(marker) && existsSync(bin)) return bin;
  requireGo();
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  // One line instead of go's hundreds of "go: downloading …"; its output is shown when the build fails.
  process.stderr.write(`bonsai: building ${opts.name} ${opts.version} with go install (first run only)…\n`);
  try {
    execFileSync("go", ["install", `${opts.pkg}@${opts.version}`], {
      env: { ...process.env, GOBIN: tmp, CGO_ENABLED: "0", ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
      maxBuffer: 64 * 1024 * 1024,
      cwd: tmp,
    });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    rmSync(tmp, { recursive: true, force: true });
    const tail = e.stderr?.toString().trim().split("\n").slice(-20).join("\n") || e.message;
    throw new Error(`go install ${opts.pkg}@${opts.version} failed (is the Go module proxy reachable?):\n${tail}`);
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  writeFileSync(marker, `${opts.pkg}@${opts.version}\n`);
  return bin;
}

export function readCachedText(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}
