/** The one event this domain publishes: the value of each Kafka message, keyed by the order id. */
export interface OrderCreated {
  type: "OrderCreated";
  version: 1;
  /** The outbox row id: increases per order, so the projection can tell a replay from a newer event. */
  eventId: string;
  orderId: string;
  customer: string;
  item: string;
  quantity: number;
  createdAt: string;
}

export type Parsed = { ok: true; event: OrderCreated } | { ok: false; reason: string };

/** Larger messages than this are parked unread: nothing we publish comes near it. */
export const MAX_EVENT_BYTES = 64 * 1024;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function field(o: Record<string, unknown>, name: string, ok: (v: unknown) => boolean, want: string): string | null {
  return ok(o[name]) ? null : `field ${name}: expected ${want}, got ${JSON.stringify(o[name]) ?? "nothing"}`;
}

const isText = (v: unknown) => typeof v === "string" && v.length > 0 && v.length <= 200;

/**
 * Checks a message value completely before anything is written; every way it can be wrong is a reason string
 * that ends up in dead_letters.reason, so whoever looks at a parked message sees why.
 */
export function parseEvent(value: Buffer | null): Parsed {
  if (value === null) return { ok: false, reason: "message has no value (tombstone); expected an OrderCreated event" };
  if (value.length > MAX_EVENT_BYTES)
    return { ok: false, reason: `message value is ${value.length} bytes; the limit is ${MAX_EVENT_BYTES}` };
  let data: unknown;
  try {
    data = JSON.parse(value.toString("utf8"));
  } catch (err) {
    return { ok: false, reason: `message value is not JSON: ${(err as Error).message}` };
  }
  if (typeof data !== "object" || data === null || Array.isArray(data))
    return { ok: false, reason: "message value is not a JSON object" };
  const o = data as Record<string, unknown>;
  const problems = [
    field(o, "type", v => v === "OrderCreated", '"OrderCreated"'),
    field(o, "version", v => v === 1, "1"),
    field(o, "eventId", v => typeof v === "string" && /^[0-9]{1,19}$/.test(v), "a decimal id string"),
    field(o, "orderId", v => typeof v === "string" && UUID.test(v), "a lower-case UUID"),
    field(o, "customer", isText, "a non-empty string of at most 200 characters"),
    field(o, "item", isText, "a non-empty string of at most 200 characters"),
    field(o, "quantity", v => Number.isInteger(v) && (v as number) > 0, "a positive integer"),
    field(o, "createdAt", v => typeof v === "string" && !Number.isNaN(Date.parse(v)), "an ISO timestamp"),
  ].filter((p): p is string => p !== null);
  if (problems.length) return { ok: false, reason: problems.join("; ") };
  return { ok: true, event: o as unknown as OrderCreated };
}
