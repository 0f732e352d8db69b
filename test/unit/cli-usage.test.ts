import { run as smoke } from "../../cli/commands/smoke";
import { run as up } from "../../cli/commands/up";

// `bonsai up` and `bonsai smoke` share cli/run-command.ts with audit, report and footprint: bad usage is refused
// with exit 2, the command's name, what was wrong and the help; --help prints the help on stdout. None of these
// calls gets as far as a cluster.

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
