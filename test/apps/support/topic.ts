/**
 * The topic as apps/infra/kafka/job-topic-orders-events.yaml declares it, created with the app's own client
 * library (kafkajs) because the harness has no kafka-topics.sh: its arguments are read from the Job, so the
 * tests run against exactly the declared name, partition count and configs, and a flag we do not understand
 * fails here instead of being ignored.
 */
import { Kafka, logLevel } from "kafkajs";
import type { KubeObject } from "../../../capabilities/k8s/object";
import { containerOf } from "../../support/real/manifests";

export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor: number;
  configs: { name: string; value: string }[];
}

const KNOWN_FLAGS = new Set(["--bootstrap-server", "--create", "--if-not-exists"]);

export function topicFromJob(objects: KubeObject[], job = "kafka-topic-orders-events"): TopicSpec {
  const w = containerOf(objects, "Job", job);
  const spec: TopicSpec = { topic: "", partitions: 0, replicationFactor: 0, configs: [] };
  for (const arg of w.container.args ?? []) {
    const eq = arg.indexOf("=");
    const [flag, value] = eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, ""];
    if (flag === "--topic") spec.topic = value;
    else if (flag === "--partitions") spec.partitions = Number(value);
    else if (flag === "--replication-factor") spec.replicationFactor = Number(value);
    else if (flag === "--config") {
      const [name, v] = [value.slice(0, value.indexOf("=")), value.slice(value.indexOf("=") + 1)];
      spec.configs.push({ name, value: v });
    } else if (!KNOWN_FLAGS.has(flag))
      throw new Error(`Job ${job}: argument ${arg} is not understood by the test harness`);
  }
  if (!spec.topic || !(spec.partitions > 0) || !(spec.replicationFactor > 0))
    throw new Error(`Job ${job}: needs --topic, --partitions and --replication-factor (got ${JSON.stringify(spec)})`);
  return spec;
}

export async function createTopic(bootstrap: string, spec: TopicSpec): Promise<void> {
  const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING, clientId: "bonsai-test" }).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: spec.topic,
          numPartitions: spec.partitions,
          replicationFactor: spec.replicationFactor,
          configEntries: spec.configs,
        },
      ],
    });
  } finally {
    await admin.disconnect();
  }
}
