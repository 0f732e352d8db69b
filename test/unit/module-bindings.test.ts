// Pepr registers Watch/Reconcile bindings only when building or watching; read them as `pepr build` does.
process.env.PEPR_MODE = "build";
/* eslint-disable @typescript-eslint/no-require-imports */
const { Guardrails } = require("../../capabilities/guardrails") as typeof import("../../capabilities/guardrails");
const { PodSecurity } = require("../../capabilities/pod-security") as typeof import("../../capabilities/pod-security");
const { NamespaceGuardrails } =
  require("../../capabilities/namespace-guardrails") as typeof import("../../capabilities/namespace-guardrails");
/* eslint-enable @typescript-eslint/no-require-imports */
import { GOVERNED_KINDS, NOT_AT_ADMISSION } from "../../capabilities/engine/registry";
import { POD_CARRYING_KINDS } from "../../capabilities/k8s/pod-template";

// The registry is the source of truth: a policy for a kind the webhook never sees would silently do nothing.
describe("the module's Pepr bindings", () => {
  const validated = new Set(
    Guardrails.bindings.filter(b => b.isValidate && b.event === "CREATEORUPDATE").map(b => b.kind.kind),
  );
  // A new Pod is judged by the mutating call (pod-security.ts), so the validating webhook sees Pod updates only.
  const judged = new Set([...validated, "Pod"]);

  it("validate every kind a policy governs on create and update, except the ones judged offline only", () => {
    expect([...judged].sort()).toEqual(GOVERNED_KINDS.filter(k => !NOT_AT_ADMISSION.includes(k)).sort());
    for (const kind of NOT_AT_ADMISSION) expect(GOVERNED_KINDS).toContain(kind);
  });

  it("judge a new Pod in one webhook call: mutated and judged on create, validated on update only", () => {
    const pod = Guardrails.bindings.filter(b => b.kind.kind === "Pod").map(b => [b.event, !!b.isValidate]);
    expect(pod).toEqual([["UPDATE", true]]);
    expect(validated.has("Pod")).toBe(false);
  });

  it("validate NetworkPolicy deletes (the default-deny protection)", () => {
    expect(Guardrails.bindings.some(b => b.isValidate && b.event === "DELETE" && b.kind.kind === "NetworkPolicy")).toBe(
      true,
    );
  });

  afterAll(() => delete process.env.PEPR_MODE);

  it("mutate Pods on create only", () => {
    expect(PodSecurity.bindings.map(b => [b.kind.kind, b.event, !!b.isMutate])).toEqual([["Pod", "CREATE", true]]);
  });

  it("reconcile namespaces and watch the managed guardrail kinds for deletes and edits", () => {
    const watched = NamespaceGuardrails.bindings.filter(b => b.isWatch).map(b => `${b.kind.kind}:${b.event}`);
    expect(watched).toEqual(
      expect.arrayContaining([
        "Namespace:CREATEORUPDATE",
        "ResourceQuota:DELETE",
        "LimitRange:DELETE",
        "NetworkPolicy:DELETE",
        "ResourceQuota:UPDATE",
      ]),
    );
  });

  it("cover every pod-carrying kind the pod policies know", () => {
    for (const k of POD_CARRYING_KINDS.filter(k => k !== "PodTemplate" && k !== "ReplicationController")) {
      expect(judged.has(k)).toBe(true);
    }
  });
});
