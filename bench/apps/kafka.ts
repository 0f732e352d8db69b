/**
 * Kafka throughput with the app's own client library (kafkajs 2.2.4): produce with acks=all in batches, as the
 * outbox relay does, then consume with a fresh consumer group; and the app's whole pipeline (relay + projector)
 * draining an outbox of pending events into the projection.
 */
import { randomUUID } from "node:crypto";
import { Kafka, logLevel, Partitioners } from "kafkajs";

export interface KafkaRun {
  messages: number;
  bytesPerMessage: number;
  producedPerSec: number;
  consumedPerSec: number;
}

const event = (i: number) =>
  JSON.stringify({
    type: "OrderCreated",
    version: 1,
    eventId: String(i),
    orderId: randomUUID(),
    customer: "bench",
    item: "juniper",
    quantity: 1,
    createdAt: new Date().toISOString(),
  });

export async function kafkaClient(bootstrap: string, topic: string, messages: number, batch = 500): Promise<KafkaRun> {
  const kafka = new Kafka({ brokers: [bootstrap], clientId: "bonsai-bench", logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, maxInFlightRequests: 1 });
  await producer.connect();
  const values = Array.from({ length: messages }, (_, i) => event(i));
  const t0 = performance.now();
  for (let i = 0; i < messages; i += batch)
    await producer.send({
      topic,
      acks: -1,
      messages: values.slice(i, i + batch).map(v => ({ key: JSON.parse(v).orderId, value: v })),
    });
  const produceMs = performance.now() - t0;
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `bonsai-bench-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let first = 0;
  const done = new Promise<void>(resolve => {
    void consumer.run({
      eachBatch: async ({ batch: b }) => {
        if (!first) first = performance.now();
        seen += b.messages.length;
        if (seen >= messages) resolve();
      },
    });
  });
  await done;
  // From the first fetched batch: the group's join time is not consumption.
  const consumeMs = performance.now() - first;
  await consumer.disconnect();
  return {
    messages,
    bytesPerMessage: Buffer.byteLength(values[0]),
    producedPerSec: Math.round(messages / (produceMs / 1000)),
    consumedPerSec: Math.round(seen / (consumeMs / 1000)),
  };
}
