import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { stringify } from "yaml";
import { auditObjects } from "../../lib/audit/run-audit";
import { loadInputs } from "../../lib/render";
import { compliantPod, withSpec } from "../support/pods";

// loadInputs drops an object reached twice but keeps two different definitions of one object; auditObjects
// names each result's source. Both were reworked for speed (only repeated identities are compared; the source
// is added in place): these pin what they do.
const dir = mkdtempSync(join(tmpdir(), "bonsai-audit-inputs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// Sources are shown relative to the working directory, as on a command line.
const shown = (name: string) => relative(process.cwd(), join(dir, name));
const write = (name: string, objects: unknown[]) => {
  const path = join(dir, name);
  writeFileSync(path, objects.map(o => stringify(o)).join("---\n"));
  return path;
};

describe("audit inputs", () => {
  const a = compliantPod("a");
  const b = compliantPod("b");
  const aChanged = withSpec(compliantPod("a"), s => (s.containers[0].securityContext.privileged = true));

  it("judges an object reached twice once, keeps a second different definition, and every unique object", () => {
    const first = write("first.yaml", [a, b]);
    const again = write("again.yaml", [a]);
    const changed = write("changed.yaml", [aChanged]);
    const loaded = loadInputs([first, again, changed, again]);
    expect(loaded.objects.map(o => [o.object.metadata?.name, o.source])).toEqual([
      ["a", `${shown("first.yaml")} (document 1)`],
      ["b", `${shown("first.yaml")} (document 2)`],
      ["a", shown("changed.yaml")],
      // the same as first.yaml's, but after the changed definition: the last one seen differs, so it stays
      ["a", shown("again.yaml")],
    ]);
    expect(loaded.files).toBe(4);
  });

  it("names each result's source in its properties, next to the policy's own properties", () => {
    const file = write("mixed.yaml", [a, aChanged]);
    const results = auditObjects(loadInputs([file]), { level: "restricted", mutate: false });
    const sources = new Set(results.map(r => r.properties?.source));
    expect(sources).toEqual(new Set([`${shown("mixed.yaml")} (document 1)`, `${shown("mixed.yaml")} (document 2)`]));
    const privileged = results.find(r => r.rule === "privileged")!;
    expect(privileged.properties).toEqual({
      level: "baseline",
      fields: "spec.containers[0].securityContext.privileged",
      source: `${shown("mixed.yaml")} (document 2)`,
    });
  });
});
