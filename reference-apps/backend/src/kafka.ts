import { Admin, Kafka, logLevel, LogEntry } from "kafkajs";
import type { Config } from "./config";
import type { Metrics } from "./metrics";
import { within } from "./time";

/** kafkajs logs through this: one JSON line per warning or error on stderr, like the rest of the app. */
function logCreator() {
  return ({ level, label, log }: LogEntry) => {
    const { message, ...rest } = log;
    process.stderr.write(`${JSON.stringify({ level: label.toLowerCase(), lvl: level, msg: message, kafka: rest })}\n`);
  };
}

export function createKafka(k: Config["kafka"]): Kafka {
  return new Kafka({
    clientId: k.clientId,
    brokers: k.brokers,
    logLevel: logLevel.WARN,
    logCreator,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    // Reconnects are cheap and the relay and consumer have their own loops: keep each attempt short.
    retry: { initialRetryTime: 200, retries: 5, maxRetryTime: 5000 },
  });
}

/** Ready means: a broker answers and the topic exists (it is declared in git: apps/infra/kafka/topic-*.yaml). */
export async function kafkaReady(admin: Admin, topic: string, timeoutMs: number): Promise<string | null> {
  try {
    const meta = await within(timeoutMs, "Kafka metadata", admin.fetchTopicMetadata({ topics: [topic] }));
    const t = meta.topics.find(x => x.name === topic);
    if (!t || t.partitions.length === 0) return `topic ${topic} does not exist (see apps/infra/kafka/)`;
    return null;
  } catch (err) {
    return `Kafka: ${(err as Error).message}`;
  }
}

/** Sets the lag gauge: high watermark minus the group's committed offset (nothing committed yet = from low). */
export async function refreshLag(admin: Admin, metrics: Metrics, k: Config["kafka"]): Promise<void> {
  const [ends, committed] = await Promise.all([
    admin.fetchTopicOffsets(k.topic),
    admin.fetchOffsets({ groupId: k.groupId, topics: [k.topic] }),
  ]);
  const done = new Map(committed.flatMap(t => t.partitions).map(p => [p.partition, Number(p.offset)]));
  for (const e of ends) {
    const at = done.get(e.partition) ?? -1;
    const from = at < 0 ? Number(e.low) : at;
    metrics.lag.set(
      { group: k.groupId, topic: k.topic, partition: String(e.partition) },
      Math.max(0, Number(e.high) - from),
    );
  }
}
