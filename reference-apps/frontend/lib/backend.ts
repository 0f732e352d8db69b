/**
 * The backend, reached server-side only (the browser never talks to it): BACKEND_URL is the backend's
 * cluster Service, http://backend.backend.svc.cluster.local, set by the chart; tests point it at a local port.
 */
export interface Order {
  id: string;
  customer: string;
  item: string;
  quantity: number;
  createdAt: string;
  publishedAt: string | null;
  projection: { status: string; processedAt: string; eventsApplied: number } | null;
}

export interface BackendError {
  statusCode: number;
  error: string;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; status: number; message: string };

function baseUrl(): string {
  const raw = process.env.BACKEND_URL ?? "http://backend.backend.svc.cluster.local";
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`BACKEND_URL=${JSON.stringify(raw)} is not a URL (e.g. http://backend.backend.svc.cluster.local)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new Error(`BACKEND_URL=${JSON.stringify(raw)} must be http:// or https://`);
  return url.href.replace(/\/$/, "");
}

/** One call with a deadline; an unreachable backend is a 503 result, not an exception on the page. */
export async function call<T>(path: string, init: RequestInit = {}): Promise<Result<T>> {
  let res: Response;
  try {
    res = await fetch(`${baseUrl()}${path}`, {
      ...init,
      headers: { accept: "application/json", ...(init.body ? { "content-type": "application/json" } : {}) },
      cache: "no-store",
      signal: AbortSignal.timeout(5000),
    });
  } catch (err) {
    return { ok: false, status: 503, message: `the backend cannot be reached (${(err as Error).message})` };
  }
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    return { ok: false, status: 502, message: `the backend answered ${res.status} with something that is not JSON` };
  }
  if (res.ok) return { ok: true, value: body as T };
  const e = body as Partial<BackendError> | null;
  return { ok: false, status: res.status, message: e?.message ?? `the backend answered ${res.status}` };
}

export const getOrder = (id: string) => call<Order>(`/api/orders/${encodeURIComponent(id)}`);
export const listOrders = () => call<{ orders: Order[] }>("/api/orders?limit=10");
export const createOrder = (o: { customer: string; item: string; quantity: unknown }) =>
  call<Order>("/api/orders", { method: "POST", body: JSON.stringify(o) });
