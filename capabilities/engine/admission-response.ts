import type { AdmissionDecision } from "./admission";

/** The fields of Pepr's mutate and validate responses this module rewrites (Pepr 1.1.4 does not export them). */
export interface AdmissionAnswer {
  uid: string;
  allowed: boolean;
  patch?: string;
  patchType?: "JSONPatch";
  warnings?: string[];
  status?: { code: number; message: string };
}

interface PatchOp {
  op: string;
  path: string;
  value?: unknown;
}

/**
 * A bounded hand-off from a mutation callback to the response it belongs to. Pepr's mutate callbacks cannot
 * deny or warn, so the Pod-creation binding leaves its verdict here, keyed by request uid, and the afterHook
 * applies it to the response Pepr built. An entry lives for one request; the bound only matters if Pepr
 * failed between the callback and the hook, so the oldest entry goes first.
 */
export class PendingVerdicts {
  readonly #byUid = new Map<string, AdmissionDecision>();

  constructor(private readonly capacity = 4_096) {}

  hold(uid: string, decision: AdmissionDecision): void {
    if (this.#byUid.size >= this.capacity) this.#byUid.delete(this.#byUid.keys().next().value as string);
    this.#byUid.set(uid, decision);
  }

  take(uid: string): AdmissionDecision | undefined {
    const decision = this.#byUid.get(uid);
    if (decision) this.#byUid.delete(uid);
    return decision;
  }

  get size(): number {
    return this.#byUid.size;
  }
}

const escapePointer = (key: string) => key.replace(/~/g, "~0").replace(/\//g, "~1");

/**
 * The patch without Pepr's bookkeeping annotations (`<uuid>.pepr.dev/<capability>: succeeded`, added after every
 * mutation action). With onError "reject" a failed action is refused, so the annotation never records anything a
 * reader could use, yet it turned every pod creation into a patch the API server must apply and re-decode, even
 * when the pod already carried every default.
 */
export function withoutBookkeeping(ops: PatchOp[], uuid: string): PatchOp[] {
  const prefix = `${uuid}.pepr.dev/`;
  const pointerPrefix = `/metadata/annotations/${escapePointer(prefix)}`;
  const kept: PatchOp[] = [];
  for (const op of ops) {
    if (op.path.startsWith(pointerPrefix)) continue;
    if (op.path === "/metadata/annotations" && op.op === "add" && op.value && typeof op.value === "object") {
      const rest = Object.entries(op.value as Record<string, unknown>).filter(([k]) => !k.startsWith(prefix));
      if (rest.length) kept.push({ ...op, value: Object.fromEntries(rest) });
      continue;
    }
    kept.push(op);
  }
  return kept;
}

function dropBookkeeping(answer: AdmissionAnswer, uuid: string): void {
  if (!answer.patch) return;
  const ops = JSON.parse(Buffer.from(answer.patch, "base64").toString("utf8")) as PatchOp[];
  const kept = withoutBookkeeping(ops, uuid);
  if (kept.length === ops.length) return;
  if (kept.length) {
    answer.patch = Buffer.from(JSON.stringify(kept)).toString("base64");
    return;
  }
  delete answer.patch;
  delete answer.patchType;
}

/**
 * The module's Pepr afterHook. A verdict left by the Pod-creation binding turns the mutate response into the
 * answer the validating webhook would have given: a denial with the same message and code (and no patch), or the
 * same warnings. A response Pepr already refused (an action threw, onError "reject") stays refused.
 */
export function finishAdmissionResponse(pending: PendingVerdicts, uuid: string) {
  return (answer: AdmissionAnswer): void => {
    const decision = pending.take(answer.uid);
    if (decision && answer.allowed) {
      if (decision.warnings.length) answer.warnings = [...(answer.warnings ?? []), ...decision.warnings];
      if (!decision.allowed) {
        answer.allowed = false;
        answer.status = { code: 403, message: decision.message ?? "denied by Bonsai guardrails" };
        delete answer.patch;
        delete answer.patchType;
        return;
      }
    }
    if (answer.allowed) dropBookkeeping(answer, uuid);
  };
}
