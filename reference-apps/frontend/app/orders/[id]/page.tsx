import { notFound } from "next/navigation";
import { getOrder } from "../../../lib/backend";

export const dynamic = "force-dynamic";

/**
 * The order as the backend has it: written (PostgreSQL through PgBouncer), published (Kafka acknowledged the
 * outbox event) and processed (the consumer group's projection). Until processed the page refreshes itself.
 */
export default async function OrderPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const r = await getOrder(id);
  if (!r.ok && (r.status === 404 || r.status === 400)) notFound();
  if (!r.ok)
    return (
      <main>
        <h1>Order</h1>
        <p className="error">The backend is unavailable ({r.message}).</p>
      </main>
    );
  const o = r.value;
  const processed = o.projection !== null;
  return (
    <main>
      {!processed && <meta httpEquiv="refresh" content="1" />}
      <h1>Order {o.id}</h1>
      <p>
        {o.quantity} × {o.item} for {o.customer}, created {o.createdAt}
      </p>
      <ul>
        <li>Saved in PostgreSQL: yes</li>
        <li>Event published to Kafka: {o.publishedAt ? `yes, ${o.publishedAt}` : "not yet"}</li>
        <li>
          Processed by the consumer:{" "}
          {processed ? (
            <span className="done" data-status={o.projection?.status}>
              {o.projection?.status}, {o.projection?.processedAt}
            </span>
          ) : (
            <span className="pending" data-status="processing">
              processing…
            </span>
          )}
        </li>
      </ul>
      <p>
        <a href="/">All orders</a>
      </p>
    </main>
  );
}
