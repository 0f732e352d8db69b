import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { auditMix } from "../lib/objects";

/**
 * The audit benchmarks' input: `auditMix(count)` (bench/lib/objects.ts, deterministic) as one multi-document
 * YAML file, the form every tool of the comparison reads. Returns its path and size.
 */
export function writeObjectsFile(dir: string, count: number): { file: string; bytes: number } {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `objects-${count}.yaml`);
  const text = auditMix(count)
    .map(o => stringify(o))
    .join("---\n");
  writeFileSync(file, text);
  return { file, bytes: text.length };
}

if (require.main === module) {
  const [dir, count] = process.argv.slice(2);
  process.stdout.write(`${writeObjectsFile(dir, Number(count)).file}\n`);
}
