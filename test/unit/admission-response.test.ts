import {
  finishAdmissionResponse,
  PendingVerdicts,
  withoutBookkeeping,
  type AdmissionAnswer,
} from "../../capabilities/engine/admission-response";
import type { AdmissionDecision } from "../../capabilities/engine/admission";

const UUID = "bonsai-guardrails";
const encode = (ops: unknown[]) => Buffer.from(JSON.stringify(ops)).toString("base64");
const decode = (patch: string) => JSON.parse(Buffer.from(patch, "base64").toString("utf8"));
const allowed = (warnings: string[] = []): AdmissionDecision => ({ allowed: true, warnings, results: [] });
const denied = (message: string, warnings: string[] = []): AdmissionDecision => ({
  allowed: false,
  message,
  warnings,
  results: [],
});
const BOOKKEEPING_ADD = {
  op: "add",
  path: "/metadata/annotations",
  value: { [`${UUID}.pepr.dev/pod-security`]: "succeeded" },
};
const DEFAULT_OP = { op: "add", path: "/spec/securityContext/runAsNonRoot", value: true };

describe("Pepr's bookkeeping annotations are left out of patches", () => {
  it("drops the annotation object Pepr adds to a pod with no annotations", () => {
    expect(withoutBookkeeping([BOOKKEEPING_ADD, DEFAULT_OP], UUID)).toEqual([DEFAULT_OP]);
  });

  it("drops the annotation added beside existing ones (JSON Pointer escapes the slash as ~1)", () => {
    const op = { op: "add", path: `/metadata/annotations/${UUID}.pepr.dev~1pod-security`, value: "succeeded" };
    expect(withoutBookkeeping([op], UUID)).toEqual([]);
  });

  it("keeps the user's annotations in the same object, and another module's bookkeeping", () => {
    const op = {
      op: "add",
      path: "/metadata/annotations",
      value: { team: "a", [`${UUID}.pepr.dev/pod-security`]: "succeeded", "other.pepr.dev/x": "succeeded" },
    };
    expect(withoutBookkeeping([op], UUID)).toEqual([{ ...op, value: { team: "a", "other.pepr.dev/x": "succeeded" } }]);
  });

  it("answers a pod that needed no default with no patch at all", () => {
    const answer: AdmissionAnswer = {
      uid: "u1",
      allowed: true,
      patchType: "JSONPatch",
      patch: encode([BOOKKEEPING_ADD]),
    };
    finishAdmissionResponse(new PendingVerdicts(), UUID)(answer);
    expect(answer).toEqual({ uid: "u1", allowed: true });
  });

  it("keeps the defaults' operations", () => {
    const answer: AdmissionAnswer = {
      uid: "u2",
      allowed: true,
      patchType: "JSONPatch",
      patch: encode([BOOKKEEPING_ADD, DEFAULT_OP]),
    };
    finishAdmissionResponse(new PendingVerdicts(), UUID)(answer);
    expect(answer.patchType).toBe("JSONPatch");
    expect(decode(answer.patch!)).toEqual([DEFAULT_OP]);
  });
});

describe("a verdict given in the mutating call", () => {
  it("turns the mutate response into a 403 denial with the message, the warnings and no patch", () => {
    const pending = new PendingVerdicts();
    pending.hold("u3", denied("Pod a/b is denied by Bonsai guardrails, 1 violation: …", ["[x/y] warned"]));
    const answer: AdmissionAnswer = { uid: "u3", allowed: true, patchType: "JSONPatch", patch: encode([DEFAULT_OP]) };
    finishAdmissionResponse(pending, UUID)(answer);
    expect(answer).toEqual({
      uid: "u3",
      allowed: false,
      status: { code: 403, message: "Pod a/b is denied by Bonsai guardrails, 1 violation: …" },
      warnings: ["[x/y] warned"],
    });
    expect(pending.size).toBe(0);
  });

  it("adds an admitted pod's warnings to Pepr's", () => {
    const pending = new PendingVerdicts();
    pending.hold("u4", allowed(["[resources/x] warned"]));
    const answer: AdmissionAnswer = { uid: "u4", allowed: true, warnings: ["from pepr"] };
    finishAdmissionResponse(pending, UUID)(answer);
    expect(answer).toEqual({ uid: "u4", allowed: true, warnings: ["from pepr", "[resources/x] warned"] });
  });

  it("never admits what Pepr refused (an action threw under onError reject)", () => {
    const pending = new PendingVerdicts();
    pending.hold("u5", allowed());
    const answer: AdmissionAnswer = { uid: "u5", allowed: false, warnings: ["Action failed: boom"] };
    finishAdmissionResponse(pending, UUID)(answer);
    expect(answer).toEqual({ uid: "u5", allowed: false, warnings: ["Action failed: boom"] });
    expect(pending.size).toBe(0);
  });

  it("belongs to its own request only", () => {
    const pending = new PendingVerdicts();
    pending.hold("u6", denied("no"));
    const other: AdmissionAnswer = { uid: "u7", allowed: true };
    finishAdmissionResponse(pending, UUID)(other);
    expect(other.allowed).toBe(true);
    expect(pending.take("u6")?.allowed).toBe(false);
  });

  it("is held in bounded memory: the oldest verdict goes first", () => {
    const pending = new PendingVerdicts(3);
    for (const uid of ["a", "b", "c", "d"]) pending.hold(uid, allowed());
    expect(pending.size).toBe(3);
    expect(pending.take("a")).toBeUndefined();
    expect(pending.take("d")).toBeDefined();
  });
});
