import { randomUUID } from "node:crypto";
import type { Pool } from "pg";

export interface NewOrder {
  customer: string;
  item: string;
  quantity: number;
}

export interface Order extends NewOrder {
  id: string;
  createdAt: string;
  /** When the relay had Kafka's acknowledgement for the order's event; null until then. */
  publishedAt: string | null;
  /** What the consumer group made of the event; null until it has processed it. */
  projection: { status: string; processedAt: string; eventsApplied: number } | null;
}

interface OrderRow {
  id: string;
  customer: string;
  item: string;
  quantity: number;
  created_at: Date;
  published_at: Date | null;
  status: string | null;
  processed_at: Date | null;
  events_applied: number | null;
}

const SELECT = `
  SELECT o.id, o.customer, o.item, o.quantity, o.created_at, x.published_at,
         p.status, p.processed_at, p.events_applied
    FROM orders o
    LEFT JOIN outbox x ON x.aggregate_id = o.id AND x.event_type = 'OrderCreated'
    LEFT JOIN order_projection p ON p.order_id = o.id`;

function toOrder(r: OrderRow): Order {
  return {
    id: r.id,
    customer: r.customer,
    item: r.item,
    quantity: r.quantity,
    createdAt: r.created_at.toISOString(),
    publishedAt: r.published_at?.toISOString() ?? null,
    projection:
      r.status && r.processed_at
        ? { status: r.status, processedAt: r.processed_at.toISOString(), eventsApplied: r.events_applied ?? 0 }
        : null,
  };
}

/**
 * The order and its outbox row in one statement, so in one transaction: either both exist or neither, so no
 * order is ever without its event and no event without its order, whatever Kafka is doing at the time. One
 * round trip through PgBouncer instead of four (BEGIN, two INSERTs, COMMIT).
 */
export async function createOrder(pool: Pool, input: NewOrder): Promise<Order> {
  const id = randomUUID();
  const r = await pool.query<{ created_at: Date }>(
    `WITH o AS (
       INSERT INTO orders (id, customer, item, quantity) VALUES ($1, $2, $3, $4) RETURNING *)
     INSERT INTO outbox (aggregate_id, event_type, payload)
     SELECT o.id, 'OrderCreated', jsonb_build_object('type', 'OrderCreated', 'version', 1, 'orderId', o.id,
            'customer', o.customer, 'item', o.item, 'quantity', o.quantity, 'createdAt', o.created_at)
       FROM o
     RETURNING (SELECT created_at FROM o)`,
    [id, input.customer, input.item, input.quantity],
  );
  const createdAt = r.rows[0].created_at.toISOString();
  return { id, ...input, createdAt, publishedAt: null, projection: null };
}

export async function getOrder(pool: Pool, id: string): Promise<Order | null> {
  const r = await pool.query<OrderRow>(`${SELECT} WHERE o.id = $1`, [id]);
  return r.rows[0] ? toOrder(r.rows[0]) : null;
}

export async function listOrders(pool: Pool, limit: number): Promise<Order[]> {
  const r = await pool.query<OrderRow>(`${SELECT} ORDER BY o.created_at DESC, o.id LIMIT $1`, [limit]);
  return r.rows.map(toOrder);
}
