/** The backend's HTTP throughput with autocannon: a DB-backed read and write through PgBouncer, and the floor. */
import autocannon from "autocannon";

export interface HttpRun {
  route: string;
  connections: number;
  seconds: number;
  reqPerSec: number;
  p50ms: number;
  p99ms: number;
  non2xx: number;
  errors: number;
}

export async function http(
  url: string,
  route: string,
  opts: { connections: number; seconds: number; method?: "GET" | "POST"; body?: string },
): Promise<HttpRun> {
  const r = await autocannon({
    url,
    method: opts.method ?? "GET",
    body: opts.body,
    headers: opts.body ? { "content-type": "application/json" } : undefined,
    connections: opts.connections,
    duration: opts.seconds,
  });
  return {
    route,
    connections: opts.connections,
    seconds: opts.seconds,
    reqPerSec: Math.round(r.requests.average),
    p50ms: r.latency.p50,
    p99ms: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}
