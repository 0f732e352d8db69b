import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { goInstallCached } from "../../tools/cache";

describe("goInstallCached", () => {
  const cache = mkdtempSync(join(tmpdir(), "bonsai-cache-"));
  const saved = process.env.BONSAI_CACHE;
  beforeAll(() => (process.env.BONSAI_CACHE = cache));
  afterAll(() => {
    process.env.BONSAI_CACHE = saved;
    if (saved === undefined) delete process.env.BONSAI_CACHE;
    rmSync(cache, { recursive: true, force: true });
  });

  it("keeps go's output to itself and shows it when the build fails, leaving no half-built folder", () => {
    // GOPROXY=off: go fails at once, offline, with its own reason (which must reach the message).
    const build = () =>
      goInstallCached({ name: "nope", version: "v0.0.1", pkg: "example.invalid/nope", env: { GOPROXY: "off" } });
    expect(build).toThrow(/go install example\.invalid\/nope@v0\.0\.1 failed .*\n.*GOPROXY=off/);
    expect(existsSync(join(cache, "bin", `nope-v0.0.1.tmp-${process.pid}`))).toBe(false);
    expect(existsSync(join(cache, "bin", "nope-v0.0.1"))).toBe(false);
  });
});
