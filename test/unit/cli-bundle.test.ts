import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { asWorkload, compliantPod, withSpec } from "../support/pods";

// The built CLI (scripts/build-cli.cjs → dist/cli/bonsai.cjs) must print exactly what the TypeScript sources print,
// and bin/bonsai.js must run it only while no source changed since its build. Built into a folder of its own, so
// the test neither needs nor touches the repository's dist/cli.
const REPO = join(__dirname, "..", "..");
const out = mkdtempSync(join(tmpdir(), "bonsai-cli-bundle-"));
const bundleDir = join(out, "dist", "cli");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
const run = (argv: string[], env: Record<string, string> = {}): Run => {
  const r = spawnSync(process.execPath, argv, {
    cwd: REPO,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const fromBundle = (args: string[]) => run([join(bundleDir, "bonsai.cjs"), ...args]);
const fromSource = (args: string[]) => run([join(REPO, "bin", "bonsai.js"), ...args], { BONSAI_FROM_SOURCE: "1" });
// PolicyReports carry the time they were made; everything else must match byte for byte.
const withoutTimes = (text: string) => text.replace(/"seconds": \d+/g, '"seconds": 0');

const inputs = join(out, "inputs");
mkdirSync(inputs, { recursive: true });
const mixed = join(inputs, "mixed.yaml");
writeFileSync(
  mixed,
  [
    compliantPod("fine"),
    asWorkload(
      "Deployment",
      withSpec(compliantPod(), s => (s.containers[0].securityContext.privileged = true)),
    ),
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: "shop" } },
  ]
    .map(o => stringify(o))
    .join("---\n"),
);
const broken = join(inputs, "broken.yaml");
writeFileSync(broken, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n");

type StaleReason = (dir: string) => string | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a plain Node module, as bin/bonsai.js loads it
const { staleReason } = require(join(REPO, "bin", "bundle-state.cjs")) as { staleReason: StaleReason };

beforeAll(() => {
  const built = run([join(REPO, "scripts", "build-cli.cjs"), "--out", bundleDir]);
  expect(built.stderr).toContain("built");
  expect(built.code).toBe(0);
}, 120_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("the built CLI", () => {
  it.each([
    ["audit of a multi-document file, json", ["audit", "--format", "json", mixed]],
    ["audit of a multi-document file, table with passes", ["audit", "--show-pass", mixed]],
    ["audit --mutate, sarif", ["audit", "--mutate", "--format", "sarif", mixed]],
    ["audit of the repository's apps (kustomize roots)", ["audit", "--format", "json", "apps/frontend"]],
    ["audit of broken YAML (exit 2)", ["audit", broken]],
    ["an unknown command (exit 2)", ["nope"]],
    ["the usage", ["--help"]],
    ["footprint", ["footprint"]],
  ])("prints what the sources print: %s", (_name, args) => {
    const b = fromBundle(args);
    const s = fromSource(args);
    expect(b.code).toBe(s.code);
    expect(withoutTimes(b.stdout)).toBe(withoutTimes(s.stdout));
    expect(b.stderr).toBe(s.stderr);
    expect(b.stdout.length + b.stderr.length).toBeGreaterThan(0);
  });

  it("finds the repository's files from its own folder (kustomize roots, charts, policy tests)", () => {
    const r = fromBundle(["audit", "--test", "capabilities/policies/services"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^PASS service-type /m);
    expect(r.code).toBe(0);
  });

  it("is fresh after its build, stale once a source changes or goes, missing without the bundle", () => {
    expect(staleReason(bundleDir)).toBeUndefined();
    const manifestPath = join(bundleDir, "inputs.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { startedAt: number; inputs: string[] };
    expect(manifest.inputs).toEqual(
      expect.arrayContaining(["cli/main.ts", "capabilities/policies/services/service-type.ts"]),
    );

    writeFileSync(manifestPath, JSON.stringify({ ...manifest, startedAt: 0 }));
    expect(staleReason(bundleDir)).toMatch(/ changed since it was built$/);
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, inputs: [...manifest.inputs, "cli/gone.ts"] }));
    expect(staleReason(bundleDir)).toBe("cli/gone.ts is gone");
    writeFileSync(manifestPath, JSON.stringify(manifest));
    expect(staleReason(bundleDir)).toBeUndefined();
    rmSync(join(bundleDir, "bonsai.cjs"));
    expect(staleReason(bundleDir)).toBe("it is not built");
  });
});
