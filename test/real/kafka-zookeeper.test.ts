// The ZooKeeper variant (apps/infra/kafka-zookeeper): ZooKeeper at its image's version with the tree's /conf,
// Kafka 3.9 from the patched StatefulSet; a record is produced and consumed through the advertised listener.
import { readFileSync } from "node:fs";
import { renderApp } from "../support/real/manifests";
import { Kafka, kafkaRoundTrip, startKafka } from "../support/real/kafka";
import { startZooKeeper, ZooKeeper } from "../support/real/zookeeper";
import { ServiceMap } from "../support/real/services";
import { stopAll } from "../support/real/process";

jest.setTimeout(600_000);

const objects = renderApp("apps/infra/kafka-zookeeper");
let zk: ZooKeeper;
let kafka: Kafka;

beforeAll(async () => {
  const services = new ServiceMap(objects);
  zk = await startZooKeeper({ objects, services });
  kafka = await startKafka({ objects, services });
});

afterAll(async () => {
  await kafka?.stop();
  await zk?.stop();
  await stopAll();
});

test("Kafka 3.9 with ZooKeeper: a record is produced and consumed through the advertised listener", () => {
  expect(kafka.version).toMatch(/^3\.9\./);
  expect(kafka.serverProperties).toMatch(/^zookeeper\.connect=127\.0\.0\.1:\d+$/m);
  const trip = kafkaRoundTrip(kafka, "day-one", "hello-zookeeper");
  expect(trip.advertised).toEqual(kafka.advertised);
  expect(trip.consumed).toMatch(/ hello-zookeeper$/);
  // The broker logged through the tree's log4j.properties (its ConversionPattern), not a default.
  expect(readFileSync(kafka.process.log, "utf8")).toMatch(
    /^\[\d{4}-\d\d-\d\d [^\]]+\] INFO .*\(kafka\.server\.KafkaServer\)$/m,
  );
});

test("the image's own launcher would refuse this variant: it formats storage, which ZooKeeper mode has none of", async () => {
  // What the variant looked like before: KAFKA_* env for the image's launcher instead of kafka-server-start.sh.
  const launcherStyle = JSON.parse(JSON.stringify(objects)) as typeof objects;
  const sts = launcherStyle.find(o => o.kind === "StatefulSet" && o.metadata?.name === "kafka") as any;
  const c = sts.spec.template.spec.containers[0];
  delete c.command;
  c.env = [
    { name: "KAFKA_BROKER_ID", value: "1" },
    { name: "KAFKA_ZOOKEEPER_CONNECT", value: "zookeeper.infra.svc.cluster.local:2181" },
    { name: "KAFKA_LISTENERS", value: "PLAINTEXT://:9092" },
    { name: "KAFKA_ADVERTISED_LISTENERS", value: "PLAINTEXT://kafka.infra.svc.cluster.local:9092" },
    { name: "KAFKA_LOG_DIRS", value: "/var/lib/kafka/data/logs" },
  ];
  const services = new ServiceMap(launcherStyle);
  services.register("zookeeper", "infra", 2181, { host: "127.0.0.1", port: zk.clientPort });
  await expect(startKafka({ objects: launcherStyle, services })).rejects.toThrow(
    /only supported for clusters in KRaft mode/,
  );
});

test("ZooKeeper logs with the tree's logback.xml (INFO), not logback's DEBUG fallback", () => {
  expect(zk.logbackFromManifest).toBe(true);
  const log = zk.log();
  expect(log).toMatch(/ - INFO {2}\[main:/);
  expect(log).not.toMatch(/ DEBUG /);
});
