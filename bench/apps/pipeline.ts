/**
 * The app's own Kafka path end to end: N pending outbox events (written straight into the tables, as N orders
 * would leave them) relayed to Kafka by the backend's outbox relay and applied by its consumer group; the rate
 * is events per second from the insert until the projection holds them all.
 */
import { Pool } from "pg";

export interface PipelineRun {
  events: number;
  publishedPerSec: number;
  projectedPerSec: number;
}

export async function pipeline(pool: Pool, events: number, timeoutMs = 300_000): Promise<PipelineRun> {
  const count = async (sql: string) => Number((await pool.query<{ n: string }>(sql)).rows[0].n);
  const projectedBefore = await count("SELECT count(*) AS n FROM order_projection");
  const t0 = performance.now();
  await pool.query(
    `WITH o AS (
       INSERT INTO orders (id, customer, item, quantity)
       SELECT gen_random_uuid(), 'bench', 'pipeline', 1 FROM generate_series(1, $1::int)
       RETURNING id, created_at)
     INSERT INTO outbox (aggregate_id, event_type, payload)
     SELECT id, 'OrderCreated', jsonb_build_object('type', 'OrderCreated', 'version', 1, 'orderId', id,
            'customer', 'bench', 'item', 'pipeline', 'quantity', 1, 'createdAt', created_at)
       FROM o`,
    [events],
  );
  let publishedAt = 0;
  for (;;) {
    const now = performance.now();
    if (now - t0 > timeoutMs) throw new Error(`the pipeline did not drain ${events} events in ${timeoutMs} ms`);
    if (!publishedAt && (await count("SELECT count(*) AS n FROM outbox WHERE published_at IS NULL")) === 0)
      publishedAt = now;
    if ((await count("SELECT count(*) AS n FROM order_projection")) - projectedBefore >= events) break;
    await new Promise(r => setTimeout(r, 100));
  }
  const projectedMs = performance.now() - t0;
  return {
    events,
    publishedPerSec: Math.round(events / ((publishedAt - t0) / 1000)),
    projectedPerSec: Math.round(events / (projectedMs / 1000)),
  };
}
