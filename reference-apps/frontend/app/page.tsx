import { listOrders } from "../lib/backend";

// Rendered per request on the server: the list is the backend's, never a build-time snapshot.
export const dynamic = "force-dynamic";

export default async function Home({ searchParams }: { searchParams: Promise<{ error?: string | string[] }> }) {
  const { error } = await searchParams;
  const orders = await listOrders();
  return (
    <main>
      <h1>Bonsai orders</h1>
      {typeof error === "string" && <p className="error">Not created: {error.slice(0, 500)}</p>}
      <form method="post" action="/orders/new">
        <label>
          Customer <input name="customer" required maxLength={100} />
        </label>
        <label>
          Item <input name="item" required maxLength={100} />
        </label>
        <label>
          Quantity <input name="quantity" type="number" min={1} max={1000} defaultValue={1} required />
        </label>
        <button type="submit">Create order</button>
      </form>
      <h2>Recent orders</h2>
      {orders.ok ? (
        <table>
          <thead>
            <tr>
              <th>Order</th>
              <th>Item</th>
              <th>Qty</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {orders.value.orders.map(o => (
              <tr key={o.id}>
                <td>
                  <a href={`/orders/${o.id}`}>{o.id.slice(0, 8)}</a>
                </td>
                <td>{o.item}</td>
                <td>{o.quantity}</td>
                <td>{o.projection?.status ?? "processing"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="error">The backend is unavailable ({orders.message}).</p>
      )}
    </main>
  );
}
