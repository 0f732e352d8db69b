/**
 * A Python virtual environment with pinned PyPI packages, created once and cached by name:
 *
 *   const venv = pythonVenv("pgadmin4-9.8", ["pgadmin4==9.8", "gunicorn==23.0.0"]);
 *   spawn(join(venv, "bin", "python3"), [...]);
 *
 * Built in place (a venv's scripts name their interpreter by absolute path, so it cannot be moved), with a marker
 * naming the packages written last: an interrupted install or a changed package list starts again from nothing.
 * Debian's python3 (python3-venv) is preferred to a PATH one.
 */
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheRoot, readCachedText } from "../../../tools/cache";
import { runToCompletion } from "./process";

export function pythonVenv(cacheName: string, packages: string[], timeoutMs = 15 * 60_000): string {
  const dir = join(cacheRoot(), cacheName, "venv");
  const marker = join(cacheRoot(), cacheName, ".complete");
  const wanted = packages.join("\n") + "\n";
  if (readCachedText(marker) === wanted && existsSync(join(dir, "bin", "python3"))) return dir;
  const python = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  rmSync(marker, { force: true });
  rmSync(dir, { recursive: true, force: true });
  runToCompletion(`${python} -m venv (python3-venv)`, python, ["-m", "venv", dir], { timeoutMs: 120_000 });
  runToCompletion(
    `pip install ${packages.join(" ")}`,
    join(dir, "bin", "python3"),
    ["-m", "pip", "install", "-q", ...packages],
    {
      timeoutMs,
      env: { HOME: process.env.HOME ?? "/root", PIP_DISABLE_PIP_VERSION_CHECK: "1" },
    },
  );
  writeFileSync(marker, wanted);
  return dir;
}
