import { readFileSync } from "node:fs";
import { join } from "node:path";
import { policyTables, withPolicyTables } from "../../lib/docs/policy-table";
import { POLICIES } from "../../capabilities/engine/registry";

describe("docs/guardrails.md", () => {
  it("holds the policy tables the registry generates (run `npm run docs:policies` after changing a policy)", () => {
    const doc = readFileSync(join(__dirname, "..", "..", "docs", "guardrails.md"), "utf8");
    expect(doc).toBe(withPolicyTables(doc));
  });

  it("lists every policy and every rule of the registry", () => {
    const tables = policyTables();
    for (const p of POLICIES) {
      expect(tables).toContain(`| \`${p.name}\` |`);
      for (const r of p.rules) expect(tables).toContain(`| \`${p.name}\` | \`${r.id}\` |`);
    }
  });
});
