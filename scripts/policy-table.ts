/** Rewrites the policy and rule tables of docs/guardrails.md from the registry: `npm run docs:policies`. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { withPolicyTables } from "../lib/docs/policy-table";

const file = join(__dirname, "..", "docs", "guardrails.md");
writeFileSync(file, withPolicyTables(readFileSync(file, "utf8")));
process.stdout.write(`${file}: policy tables regenerated\n`);
