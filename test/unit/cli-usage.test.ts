import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run as down } from "../../cli/commands/down";
import { run as secrets } from "../../cli/commands/secrets";
import { run as smoke } from "../../cli/commands/smoke";
import { run as up } from "../../cli/commands/up";

// Every command shares cli/run-command.ts: bad usage is refused with exit 2, the command's name, what was wrong and
// the help; --help prints the help on stdout. None of these calls gets as far as a cluster, a key or a file (an
// unknown option must never be ignored: `bonsai down --guardrail-only` would otherwise stop everything).

// Should a command ever get past its usage check, it finds an empty state directory of its own, never a real one.
const state = mkdtempSync(join(tmpdir(), "bonsai-cli-usage-"));
beforeAll(() => {
  process.env.BONSAI_STATE_DIR = state;
});
afterAll(() => {
  delete process.env.BONSAI_STATE_DIR;
  rmSync(state, { recursive: true, force: true });
});

async function capture(run: (argv: string[]) => Promise<number>, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = jest.spyOn(process.stdout, "write").mockImplementation(s => out.push(String(s)) > 0);
  const stderr = jest.spyOn(process.stderr, "write").mockImplementation(s => err.push(String(s)) > 0);
  try {
    return { code: await run(argv), stdout: out.join(""), stderr: err.join("") };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe.each([
  ["up", up],
  ["smoke", smoke],
  ["down", down],
])("bonsai %s", (name, run) => {
  it("refuses an unknown option with exit 2, naming it, followed by the help", async () => {
    const r = await capture(run, ["--no-such-flag"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^bonsai ${name}: Unknown option '--no-such-flag'\\n\\nUsage: bonsai ${name}`));
    expect(r.stdout).toBe("");
  });

  it("refuses a stray positional argument with exit 2", async () => {
    const r = await capture(run, ["stray"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`bonsai ${name}: Unexpected argument 'stray'`);
  });

  it("prints the help on stdout with --help and exits 0", async () => {
    const r = await capture(run, ["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: bonsai ${name}`));
    expect(r.stderr).toBe("");
  });
});

it("bonsai smoke names the option and the fix for a bad value", async () => {
  const timeout = await capture(smoke, ["--timeout", "forever"]);
  expect(timeout.code).toBe(2);
  expect(timeout.stderr).toContain(
    'bonsai smoke: --timeout must be a number of seconds between 0 and 600, not "forever"',
  );
  const https = await capture(smoke, ["--https", "not a host"]);
  expect(https.code).toBe(2);
  expect(https.stderr).toContain('bonsai smoke: --https must be host:port, not "not a host"');
});

describe("bonsai secrets", () => {
  it("refuses an unknown option, an unknown subcommand and extra arguments with exit 2 and the help", async () => {
    for (const [argv, message] of [
      [["init", "--force"], "Unknown option '--force'"],
      [["rotate"], "unknown subcommand rotate"],
      [["init", "now"], "unexpected argument now"],
      [["show", "grafana-admin", "extra"], "unexpected argument extra"],
      [["show"], "show needs a NAME"],
    ] as const) {
      const r = await capture(secrets, [...argv]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^bonsai secrets: ${message}.*\\n\\nUsage: bonsai secrets init`));
      expect(r.stdout).toBe("");
    }
  });

  it("prints the help: on stdout with exit 0 for --help, exit 2 without a subcommand", async () => {
    expect(await capture(secrets, ["--help"])).toMatchObject({ code: 0, stderr: "" });
    const bare = await capture(secrets, []);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toMatch(/^Usage: bonsai secrets init/);
  });
});
