import Fastify, { LogController, type FastifyInstance } from "fastify";
import type { Pool } from "pg";
import type { Metrics } from "../metrics";
import { errorHandler } from "./errors";
import { ordersRoutes } from "./orders-routes";

export interface ReadyReport {
  ready: boolean;
  checks: Record<string, string>;
}

export interface AppDeps {
  pool: Pool;
  metrics: Metrics;
  bodyLimit: number;
  logLevel: string;
  ready: () => Promise<ReadyReport>;
  /** Tells the outbox relay that a new event is waiting. */
  published: () => void;
}

const ROUTES = "POST /api/orders, GET /api/orders, GET /api/orders/:id, GET /api/health, GET /api/ready, GET /metrics";

export function buildApp(d: AppDeps): FastifyInstance {
  const app = Fastify({
    bodyLimit: d.bodyLimit,
    logger: { level: d.logLevel },
    // One line per request would cost more than the request at benchmark rates; errors are logged.
    logController: new LogController({ disableRequestLogging: true }),
    // Query strings and params are strings; the schemas say so, so nothing is coerced or silently removed.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true } },
    // Bound what one client can hold open.
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
  });

  app.addHook("onResponse", async (req, reply) => {
    const route = req.routeOptions.url ?? "unmatched";
    const labels = { method: req.method, route, status_code: String(reply.statusCode) };
    d.metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    if (reply.statusCode >= 400)
      d.metrics.httpErrors.inc({ ...labels, class: reply.statusCode >= 500 ? "server" : "client" });
  });

  // JSON only: Fastify also parses text/plain by default, which would turn a wrong content-type into a
  // confusing "body must be object" instead of 415.
  app.removeContentTypeParser("text/plain");
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({
      statusCode: 404,
      error: "Not Found",
      message: `no route ${req.method} ${req.url.split("?")[0].slice(0, 200)}; routes: ${ROUTES}`,
    }),
  );

  // Liveness: the process answers. Never depends on PgBouncer or Kafka (a restart would not fix them).
  app.get("/api/health", async () => ({ status: "ok" }));

  app.get("/api/ready", async (_req, reply) => {
    const r = await d.ready();
    return reply.code(r.ready ? 200 : 503).send(r);
  });

  app.get("/metrics", async (_req, reply) =>
    reply.header("content-type", d.metrics.registry.contentType).send(await d.metrics.render()),
  );

  ordersRoutes(app, d.pool, d.published);
  return app;
}
