import type { Pool } from "pg";
import type { OrderCreated } from "./events";

/** Where a message came from: kept on the projection row and on a parked message. */
export interface Position {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * The idempotency rule both inserts end with: a row is only overwritten by a newer event of its order, so a
 * replay (same or older eventId) changes nothing.
 */
const NEWER_EVENT_WINS = `ON CONFLICT (order_id) DO UPDATE
        SET status = EXCLUDED.status, item = EXCLUDED.item, quantity = EXCLUDED.quantity,
            last_event_id = EXCLUDED.last_event_id, events_applied = order_projection.events_applied + 1,
            kafka_partition = EXCLUDED.kafka_partition, kafka_offset = EXCLUDED.kafka_offset, processed_at = now()
      WHERE order_projection.last_event_id < EXCLUDED.last_event_id`;

/**
 * Applies one event to the projection, idempotently: a replay (same or older eventId, e.g. the relay published
 * again after a crash, or the group rebalanced before committing) changes nothing. Returns whether it applied.
 * An event for an order that is not in the orders table fails the foreign key (SQLSTATE 23503): a data error.
 */
export async function applyEvent(pool: Pool, e: OrderCreated, at: Position): Promise<boolean> {
  const r = await pool.query(
    `INSERT INTO order_projection (order_id, status, item, quantity, last_event_id, kafka_partition, kafka_offset)
     VALUES ($1, 'confirmed', $2, $3, $4, $5, $6)
     ${NEWER_EVENT_WINS}`,
    [e.orderId, e.item, e.quantity, e.eventId, at.partition, at.offset],
  );
  return r.rowCount === 1;
}

/**
 * A whole fetched batch in one statement (the consumer's fast path: one round trip instead of one per message),
 * with the same idempotency rule. Events for the same order keep only the newest (one statement cannot update a
 * row twice). Returns how many rows changed; any error sends the caller back to applying one by one.
 */
export async function applyEvents(pool: Pool, events: { e: OrderCreated; at: Position }[]): Promise<number> {
  const newest = new Map<string, { e: OrderCreated; at: Position }>();
  for (const x of events) {
    const seen = newest.get(x.e.orderId);
    if (!seen || BigInt(seen.e.eventId) < BigInt(x.e.eventId)) newest.set(x.e.orderId, x);
  }
  const rows = [...newest.values()];
  const r = await pool.query(
    `INSERT INTO order_projection (order_id, status, item, quantity, last_event_id, kafka_partition, kafka_offset)
     SELECT id, 'confirmed', item, quantity, event_id, part, off
       FROM unnest($1::uuid[], $2::text[], $3::int[], $4::bigint[], $5::int[], $6::bigint[])
         AS t (id, item, quantity, event_id, part, off)
     ${NEWER_EVENT_WINS}`,
    [
      rows.map(x => x.e.orderId),
      rows.map(x => x.e.item),
      rows.map(x => x.e.quantity),
      rows.map(x => x.e.eventId),
      rows.map(x => x.at.partition),
      rows.map(x => x.at.offset),
    ],
  );
  return r.rowCount ?? 0;
}

/** PostgreSQL text cannot hold NUL; a key or reason quoting a binary message must still be storable. */
const printable = (s: string) => s.replaceAll("\u0000", "\uFFFD");

/** Parks a message that cannot be processed; parking the same message twice (a replay) keeps the first. */
export async function park(pool: Pool, at: Position, key: Buffer | null, value: Buffer | null, reason: string) {
  await pool.query(
    `INSERT INTO dead_letters (topic, kafka_partition, kafka_offset, message_key, payload, reason)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
    [
      at.topic,
      at.partition,
      at.offset,
      key ? printable(key.toString("utf8")) : null,
      value,
      printable(reason).slice(0, 2000),
    ],
  );
}
