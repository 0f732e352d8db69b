// The reference apps end to end, every part a real program started from the tree (test/apps/support/platform.ts):
// a form posted to the Next.js frontend -> the Fastify backend -> a row in PostgreSQL through PgBouncer -> an
// outbox event on Kafka -> the consumer group's projection -> shown on the frontend's order page. Then bad input,
// a poison message, PgBouncer down, Kafka down, migrations twice and a graceful SIGTERM.
import { AppsPlatform, startAppsPlatform } from "./support/platform";
import { metric, postForm, postJson, request, until } from "./support/http";
import { committed, produceRaw, readTopic } from "./support/kafka-client";
import { stopAll } from "../support/real/process";

jest.setTimeout(180_000);

let p: AppsPlatform;
const api = (path: string) => `${p.backend.url}${path}`;
const page = (path: string) => `${p.frontend.url}${path}`;
const order = { customer: "ann", item: "juniper", quantity: 2 };

/** The order page until it says the consumer processed the order. */
const processedPage = (id: string, timeoutMs = 60_000) =>
  until(
    `the frontend's page of order ${id} to show it processed`,
    async () => {
      const r = await request(page(`/orders/${id}`));
      return r.status === 200 && r.text.includes('data-status="confirmed"') ? r.text : undefined;
    },
    timeoutMs,
  );

const processed = (id: string, timeoutMs = 60_000) =>
  until(
    `order ${id} processed by the consumer`,
    async () => {
      const r = await request(api(`/api/orders/${id}`));
      return r.json?.projection ? r.json : undefined;
    },
    timeoutMs,
  );

beforeAll(async () => {
  p = await startAppsPlatform();
}, 900_000);

afterAll(async () => {
  await p?.stop();
  await stopAll();
});

describe("the reference apps on PostgreSQL, PgBouncer and Kafka", () => {
  it("creates an order through the frontend's form and shows it once the consumer processed it", async () => {
    const created = await postForm(page("/orders/new"), { customer: "bob", item: "maple", quantity: "3" });
    expect(created.status).toBe(303);
    const location = created.headers.get("location")!;
    expect(location).toMatch(/^\/orders\/[0-9a-f-]{36}$/);
    const id = location.split("/").pop()!;

    // The row, written through PgBouncer, with its outbox event in the same transaction.
    expect(p.sql(`SELECT customer || ':' || item || ':' || quantity FROM orders WHERE id = '${id}'`)).toBe(
      "bob:maple:3",
    );
    // On Kafka, keyed by the order id.
    const seen = await readTopic(p.kafka.bootstrap, p.topic.topic, s => s.some(m => m.key === id));
    const event = JSON.parse(seen.find(m => m.key === id)!.value);
    expect(event).toMatchObject({ type: "OrderCreated", orderId: id, item: "maple", quantity: 3 });
    // Processed by the consumer group, and the frontend's server-rendered page says so.
    const html = await processedPage(id);
    expect(html).toContain("maple");
    expect(html).toMatch(/Event published to Kafka: <!-- -->yes/);
    expect(p.sql(`SELECT status || ':' || events_applied FROM order_projection WHERE order_id = '${id}'`)).toBe(
      "confirmed:1",
    );
    // The home page lists it (SSR through the backend's Service address).
    expect((await request(page("/"))).text).toContain(id.slice(0, 8));
  });

  it("answers bad input with 4xx and a message naming the problem, never 500", async () => {
    const cases: [Promise<any>, number, RegExp][] = [
      [postJson(api("/api/orders"), "{not json"), 400, /not valid JSON/],
      [postJson(api("/api/orders"), { customer: "a" }), 400, /body must have required property 'item'/],
      [postJson(api("/api/orders"), { ...order, quantity: 0 }), 400, /body\.quantity must be >= 1/],
      [postJson(api("/api/orders"), { ...order, colour: "red" }), 400, /unknown property 'colour'/],
      [
        postJson(api("/api/orders"), { ...order, item: "   " }),
        400,
        /body\.item must contain a character other than spaces/,
      ],
      [
        postJson(api("/api/orders"), { ...order, customer: "x".repeat(20_000) }),
        413,
        /larger than the limit of 16384 bytes/,
      ],
      [
        request(api("/api/orders"), { method: "POST", body: "a=b", headers: { "content-type": "text/plain" } }),
        415,
        /send JSON/,
      ],
      [request(api("/api/orders/not-an-id")), 400, /params\.id must be an order id/],
      [request(api("/api/orders/00000000-0000-4000-8000-000000000000")), 404, /no order with id/],
      [request(api("/api/orders?limit=5000")), 400, /querystring\.limit must be a whole number from 1 to 100/],
      [request(api("/api/nothing-here")), 404, /no route GET \/api\/nothing-here; routes: POST \/api\/orders/],
    ];
    for (const [answer, status, message] of cases) {
      const r = await answer;
      expect({ status: r.status, message: r.json?.message }).toEqual({
        status,
        message: expect.stringMatching(message),
      });
    }
    // The frontend's form passes the backend's reason back to the form.
    const refused = await postForm(page("/orders/new"), { customer: "ann", item: "", quantity: "many" });
    expect(refused.status).toBe(303);
    expect(decodeURIComponent(refused.headers.get("location")!)).toMatch(/^\/\?error=.*body\.quantity must be integer/);
    expect((await request(page("/orders/00000000-0000-4000-8000-000000000000"))).status).toBe(404);
  });

  it("exposes HTTP latency, errors by route, consumer lag and pool usage on /metrics", async () => {
    const text = (await request(api("/metrics"))).text;
    expect(
      metric(text, "http_request_duration_seconds_count", { route: "/api/orders", method: "POST" }),
    ).toBeGreaterThan(0);
    expect(
      metric(text, "http_request_errors_total", { route: "/api/orders", status_code: "400", class: "client" }),
    ).toBeGreaterThanOrEqual(4);
    expect(
      metric(text, "http_request_errors_total", { route: "unmatched", status_code: "404" }),
    ).toBeGreaterThanOrEqual(1);
    expect(metric(text, "kafka_consumer_group_lag", { group: "orders-projector", topic: p.topic.topic })).toBe(0);
    expect(text).toMatch(/^db_pool_connections\{state="max"\} 10$/m);
    expect(metric(text, "db_pool_connections", { state: "total" })).toBeGreaterThan(0);
  });

  it("parks poison messages with the reason and keeps every partition moving", async () => {
    const before = Number(p.sql("SELECT count(*) FROM dead_letters"));
    const partitions = [...Array(p.topic.partitions).keys()];
    await produceRaw(p.kafka.bootstrap, p.topic.topic, [
      // Not JSON, on every partition, ahead of the next real events.
      ...partitions.map(partition => ({ partition, key: "poison", value: Buffer.from([0xff, 0x00, 0x7b]) })),
      // Well-formed, but for an order that does not exist: the database refuses it (foreign key).
      {
        partition: 0,
        key: "ghost",
        value: JSON.stringify({
          type: "OrderCreated",
          version: 1,
          eventId: "1",
          orderId: "00000000-0000-4000-8000-000000000001",
          customer: "nobody",
          item: "nothing",
          quantity: 1,
          createdAt: new Date().toISOString(),
        }),
      },
    ]);
    // Orders created after the poison are processed, whichever partition their key lands on.
    const ids = [];
    for (let i = 0; i < 6; i++)
      ids.push((await postJson(api("/api/orders"), { ...order, item: `after-poison-${i}` })).json.id);
    for (const id of ids) await processed(id);
    expect(Number(p.sql("SELECT count(*) FROM dead_letters")) - before).toBe(partitions.length + 1);
    expect(p.sql("SELECT reason FROM dead_letters WHERE message_key = 'ghost'")).toMatch(/foreign key/);
    expect(p.sql("SELECT DISTINCT reason FROM dead_letters WHERE message_key = 'poison'")).toMatch(/not JSON/);
    const text = (await request(api("/metrics"))).text;
    expect(metric(text, "orders_dead_letters_total", { kind: "malformed" })).toBe(partitions.length);
    expect(metric(text, "orders_dead_letters_total", { kind: "rejected" })).toBe(1);
  });

  it("with PgBouncer down: not ready, requests fail fast with 503, and nothing is lost once it is back", async () => {
    const kept = (await postJson(api("/api/orders"), { ...order, item: "before-outage" })).json.id;
    await processed(kept);
    await p.bouncer.process.stop();
    try {
      const ready = await until("ready to go false", async () => {
        const r = await request(api("/api/ready"));
        return r.status === 503 ? r.json : undefined;
      });
      expect(ready.checks.database).toMatch(/PgBouncer\/PostgreSQL: .*ECONNREFUSED/);
      const refused = await postJson(api("/api/orders"), { ...order, item: "during-outage" });
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("2");
      expect(refused.json.message).toMatch(/database is unavailable; nothing was written/);
      expect((await request(api(`/api/orders/${kept}`))).status).toBe(503);
      // Liveness does not depend on the database: the pod is not restarted for an outage.
      expect((await request(api("/api/health"))).status).toBe(200);
    } finally {
      p.bouncer.process.restart();
    }
    await until("ready again", async () => ((await request(api("/api/ready"))).status === 200 ? true : undefined));
    expect((await request(api(`/api/orders/${kept}`))).json.projection.status).toBe("confirmed");
    expect(Number(p.sql("SELECT count(*) FROM orders WHERE item = 'during-outage'"))).toBe(0);
    const after = (await postJson(api("/api/orders"), { ...order, item: "after-outage" })).json.id;
    await processed(after);
  });

  it("with Kafka down: orders are accepted, not marked published until Kafka acknowledged them, and none is lost", async () => {
    await p.kafka.process.stop();
    const ids: string[] = [];
    try {
      await until("ready to go false", async () =>
        (await request(api("/api/ready"))).status === 503 ? true : undefined,
      );
      for (let i = 0; i < 5; i++) {
        const r = await postJson(api("/api/orders"), { ...order, item: `kafka-down-${i}` });
        expect(r.status).toBe(201);
        ids.push(r.json.id);
      }
      const pending = await until("the relay to report the pending events", async () => {
        const v = metric((await request(api("/metrics"))).text, "orders_outbox_pending");
        return v !== undefined && v >= ids.length ? v : undefined;
      });
      expect(pending).toBeGreaterThanOrEqual(ids.length);
      for (const id of ids) expect((await request(api(`/api/orders/${id}`))).json.publishedAt).toBeNull();
    } finally {
      p.kafka.process.restart();
    }
    for (const id of ids) {
      const o = await processed(id, 120_000);
      expect(o.publishedAt).not.toBeNull();
    }
    expect(Number(p.sql("SELECT count(*) FROM outbox WHERE published_at IS NULL"))).toBe(0);
  });

  it("runs migrations once: a second run (the next release's Job) applies nothing", () => {
    expect(p.migrate()).toMatch(/schema is at version 1; nothing to apply/);
    expect(p.sql("SELECT count(*) FROM schema_migrations")).toBe("1");
  });

  it("on SIGTERM drains, commits its offsets and exits 0", async () => {
    const last = (await postJson(api("/api/orders"), { ...order, item: "last" })).json.id;
    await processed(last);
    await p.backend.process.stop(20_000);
    expect(p.backend.process.exited).toEqual({ code: 0, signal: null });
    const { committed: offsets, ends } = await committed(p.kafka.bootstrap, p.topic.topic, "orders-projector");
    for (const e of ends) expect(offsets.find(o => o.partition === e.partition)?.offset).toBe(e.high);
  });
});
