import type { FastifyInstance } from "fastify";
import type { Pool } from "pg";
import { createOrder, getOrder, listOrders, type NewOrder } from "../orders";
import { LIMIT, NOT_BLANK, UUID } from "./patterns";

const text = { type: "string", minLength: 1, maxLength: 100, pattern: NOT_BLANK } as const;

const newOrderSchema = {
  type: "object",
  required: ["customer", "item", "quantity"],
  additionalProperties: false,
  properties: { customer: text, item: text, quantity: { type: "integer", minimum: 1, maximum: 1000 } },
} as const;

export function ordersRoutes(app: FastifyInstance, pool: Pool, published: () => void) {
  app.post<{ Body: NewOrder }>("/api/orders", { schema: { body: newOrderSchema } }, async (req, reply) => {
    const order = await createOrder(pool, req.body);
    published();
    return reply.code(201).header("location", `/api/orders/${order.id}`).send(order);
  });

  app.get<{ Params: { id: string } }>(
    "/api/orders/:id",
    {
      schema: {
        params: { type: "object", properties: { id: { type: "string", pattern: UUID } }, required: ["id"] },
      },
    },
    async (req, reply) => {
      const order = await getOrder(pool, req.params.id);
      if (!order)
        return reply
          .code(404)
          .send({ statusCode: 404, error: "Not Found", message: `no order with id ${req.params.id}` });
      return order;
    },
  );

  app.get<{ Querystring: { limit?: string } }>(
    "/api/orders",
    {
      schema: {
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: { limit: { type: "string", pattern: LIMIT } },
        },
      },
    },
    async req => ({ orders: await listOrders(pool, Number(req.query.limit ?? 20)) }),
  );
}
