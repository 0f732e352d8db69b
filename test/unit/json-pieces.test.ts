import fc from "fast-check";
import { jsonPieces, writeJson } from "../../cli/format/json-pieces";
import { buildReports } from "../../capabilities/reports/policy-report";
import { auditObjects } from "../../lib/audit/run-audit";
import { asWorkload, compliantPod, withSpec } from "../support/pods";

// `bonsai audit --format json` writes its reports in pieces; the bytes must be JSON.stringify(list, null, 2)'s.
describe("JSON in pieces", () => {
  it("joins to JSON.stringify(value, null, 2) for any JSON value and any split depth", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 6 }), (value, depth) => {
        expect([...jsonPieces(value, depth)].join("")).toBe(JSON.stringify(value, null, 2));
      }),
      { numRuns: 500 },
    );
  });

  it("drops keys JSON.stringify drops, writes null in arrays where it does, and leaves toJSON to it", () => {
    const value = {
      a: undefined,
      b: [undefined, () => 1, 2],
      c: {},
      d: [],
      e: new Date(0),
      f: { toJSON: () => ({ g: 1 }) },
      'quote"d': "line\nbreak …",
    };
    for (const depth of [1, 2, 3]) expect([...jsonPieces(value, depth)].join("")).toBe(JSON.stringify(value, null, 2));
  });

  it("writes an audit's reports in batches that join to what render printed before", () => {
    const objects = [
      compliantPod("a"),
      asWorkload(
        "Deployment",
        withSpec(compliantPod("b"), s => (s.hostPID = true)),
      ),
    ];
    const results = auditObjects(
      {
        objects: objects.map((object, i) => ({ object, source: `f.yaml (document ${i + 1})` })),
        foreign: [],
        files: 1,
      },
      { level: "restricted", mutate: false },
    );
    const list = buildReports(results, "bonsai-audit");
    const chunks: string[] = [];
    writeJson(list, 4, c => chunks.push(c), 200);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.join("")).toBe(JSON.stringify(list, null, 2) + "\n");
  });
});
