import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const REPO_ROOT = resolve(__dirname, "..", "..");
export const RESULTS_DIR = join(REPO_ROOT, "bench", "results");
/** Scratch space for builds, certificates and logs: under build/, which git ignores. */
export const WORK_DIR = join(REPO_ROOT, "build", "bench");

/**
 * Writes bench/results/<name>.json atomically (the .tmp name is git-ignored), formatted as Prettier
 * formats JSON so `npm run lint` stays clean after a run.
 */
export async function writeResult(name: string, data: unknown): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name}.json`);
  const tmp = `${path}.${process.pid}.tmp`;
  let text = JSON.stringify(data, null, 2) + "\n";
  try {
    const prettier = await import("prettier");
    text = await prettier.format(text, { ...(await prettier.resolveConfig(path)), filepath: path });
  } catch {
    /* unformatted JSON is still valid JSON */
  }
  writeFileSync(tmp, text);
  renameSync(tmp, path);
  return path;
}

export function log(msg: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}
