/** The test's own view of the topic, with the same client library as the app (kafkajs). */
import { randomUUID } from "node:crypto";
import { Kafka, logLevel, Partitioners, type Message } from "kafkajs";

const client = (bootstrap: string) =>
  new Kafka({ brokers: [bootstrap], clientId: "bonsai-test", logLevel: logLevel.NOTHING });

/** Sends raw messages to chosen partitions (poison messages: whatever bytes the test wants). */
export async function produceRaw(bootstrap: string, topic: string, messages: (Message & { partition: number })[]) {
  const p = client(bootstrap).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await p.connect();
  try {
    await p.send({ topic, acks: -1, messages });
  } finally {
    await p.disconnect();
  }
}

/** Every message on the topic from the beginning (a fresh group), read until `done` holds or the deadline. */
export async function readTopic(
  bootstrap: string,
  topic: string,
  done: (seen: { key: string; value: string; partition: number }[]) => boolean,
  timeoutMs = 30_000,
) {
  const c = client(bootstrap).consumer({ groupId: `bonsai-test-${randomUUID()}` });
  const seen: { key: string; value: string; partition: number }[] = [];
  await c.connect();
  try {
    await c.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`topic ${topic}: condition not met within ${timeoutMs} ms (${seen.length} messages seen)`)),
        timeoutMs,
      );
      void c.run({
        eachMessage: async ({ message, partition }) => {
          seen.push({ key: message.key?.toString() ?? "", value: message.value?.toString() ?? "", partition });
          if (done(seen)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await c.disconnect();
  }
  return seen;
}

/** The consumer group's committed offset per partition. */
export async function committed(bootstrap: string, topic: string, groupId: string) {
  const admin = client(bootstrap).admin();
  await admin.connect();
  try {
    const [offsets, ends] = await Promise.all([
      admin.fetchOffsets({ groupId, topics: [topic] }),
      admin.fetchTopicOffsets(topic),
    ]);
    return { committed: offsets[0].partitions, ends };
  } finally {
    await admin.disconnect();
  }
}
