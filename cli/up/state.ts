import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const REPO_ROOT = join(__dirname, "..", "..");

/** Where `bonsai up` keeps what `bonsai down` needs: PIDs, logs, the kubeconfig, which mode it used. */
export function stateDir(): string {
  const dir = process.env.BONSAI_STATE_DIR ?? join(REPO_ROOT, ".bonsai", "local");
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface UpRecord {
  mode: "embedded" | "k3d";
  kubeconfig?: string;
  peprDevPid?: number;
  cluster?: string;
  startedAt: string;
}

export function readUpRecord(dir: string): UpRecord | undefined {
  const file = join(dir, "up.json");
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as UpRecord) : undefined;
}

export function writeUpRecord(dir: string, record: UpRecord | undefined): void {
  writeFileSync(join(dir, "up.json"), record ? JSON.stringify(record, null, 2) + "\n" : "{}\n");
}
