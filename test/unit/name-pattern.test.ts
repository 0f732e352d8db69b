import { readFileSync } from "node:fs";
import { load } from "js-yaml";
import { compileNamePattern, NAME_PATTERN_MAX_LENGTH, NAME_PATTERNS_MAX } from "../../capabilities/engine/name-pattern";
import { parseExemption } from "../../capabilities/engine/exemptions";
import { KNOWN_RULES } from "../../capabilities/engine/registry";
import type { KubeObject } from "../../capabilities/k8s/object";

// The pattern: with JavaScript's backtracking RegExp a 34-character name took 28.8 s.
const REDOS = "([a-z0-9]+-?)*-canary";
const compile = (source: string) => {
  const { pattern, problem } = compileNamePattern(source);
  if (!pattern) throw new Error(`${source}: ${problem}`);
  return pattern;
};

describe("exemption name patterns (RE2, linear time)", () => {
  it("judge the backtracking pattern on a 253-character name correctly (bench/exemption-patterns times it)", () => {
    const re = compile(REDOS);
    expect(re.test("a".repeat(253))).toBe(false);
    expect(re.test(`${"a1-".repeat(81)}canary`)).toBe(true);
    expect(re.test("web-canary")).toBe(true);
    expect(re.test("canary")).toBe(false);
  });

  it("are anchored at both ends", () => {
    const re = compile("pgadmin(-.*)?");
    expect(["pgadmin", "pgadmin-0"].map(n => re.test(n))).toEqual([true, true]);
    expect(["xpgadmin", "pgadmin2", "my-pgadmin-0"].map(n => re.test(n))).toEqual([false, false, false]);
    expect(compile("a|b").test("ab")).toBe(false);
  });

  it.each([
    ["(a)\\1", "a backreference"],
    ["(?<n>a)\\k<n>", "a backreference"],
    ["web(?!-canary)", "lookahead"],
    ["(?=web)w.*", "lookahead"],
    ["(?<=x)y", "lookbehind"],
    ["(?<!x)y", "lookbehind"],
  ])("refuse %p: RE2 cannot honour %s", (source, what) => {
    const { pattern, problem } = compileNamePattern(source);
    expect(pattern).toBeUndefined();
    expect(problem).toContain(`uses ${what}`);
    expect(problem).toContain("linear-time (RE2) matcher cannot honour");
  });

  it("refuse invalid, over-long and over-large patterns with the limit", () => {
    expect(compileNamePattern("(unclosed").problem).toMatch(/^is not a valid regular expression in RE2 syntax/);
    expect(compileNamePattern("a".repeat(NAME_PATTERN_MAX_LENGTH + 1)).problem).toContain("at most 253");
    expect(compileNamePattern("a".repeat(NAME_PATTERN_MAX_LENGTH)).pattern).toBeDefined();
    // Each counted repetition is within RE2's limit, together they are not: the program-size cap catches it
    // (and proves the pinned re2js still exposes its program size to that check).
    expect(compileNamePattern("a{1000}b{1000}c{1000}").problem).toMatch(/^compiles to \d+ instructions \(limit 2000\)/);
    expect(compileNamePattern("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?").pattern).toBeDefined();
  });

  it("are an Exemption validation error with the field path, never a silent change of meaning", () => {
    const exemption = (names: unknown[]): KubeObject => ({
      apiVersion: "policy.bonsai.dev/v1alpha1",
      kind: "Exemption",
      metadata: { name: "x" },
      spec: {
        reason: "a reason long enough",
        policies: [{ policy: "service-type", rules: ["loadbalancer"] }],
        match: { namespaces: ["ingress-nginx"], names },
      },
    });
    const problems = (names: unknown[]) =>
      parseExemption(exemption(names), KNOWN_RULES).problems.map(p => `${p.path} ${p.message}`);
    expect(problems(["ok", "web(?!-canary)"])).toEqual([
      expect.stringMatching(/^spec\.match\.names\[1\] "web\(\?!-canary\)" uses lookahead/),
    ]);
    expect(problems(Array.from({ length: NAME_PATTERNS_MAX + 1 }, (_, i) => `n${i}`))).toEqual([
      expect.stringMatching(/^spec\.match\.names lists 33 patterns; at most 32/),
    ]);
    expect(parseExemption(exemption([REDOS]), KNOWN_RULES).exemption?.names[0].source).toBe(REDOS);
  });

  it("have the same limits in the CRD schema, so the API server refuses what the module would", () => {
    const crd = load(readFileSync("apps/crds/exemptions/exemption-crd.yaml", "utf8")) as {
      spec: { versions: { schema: { openAPIV3Schema: Record<string, unknown> } }[] };
    };
    type Schema = { properties: Record<string, Schema>; items: Schema; maxItems?: number; maxLength?: number };
    const names = (crd.spec.versions[0].schema.openAPIV3Schema as unknown as Schema).properties.spec.properties.match
      .properties.names;
    expect(names.maxItems).toBe(NAME_PATTERNS_MAX);
    expect(names.items.maxLength).toBe(NAME_PATTERN_MAX_LENGTH);
  });
});
