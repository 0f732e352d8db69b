// Kafka (KRaft) at the image's version, started from apps/infra/kafka the way the apache/kafka image's launcher
// starts it: a record is produced and consumed through the address the broker advertises.
import { containerEnv, containerOf, renderApp } from "../support/real/manifests";
import { Kafka, kafkaRoundTrip, startKafka } from "../support/real/kafka";
import { ServiceMap } from "../support/real/services";
import { stopAll } from "../support/real/process";

jest.setTimeout(600_000);

const objects = renderApp("apps/infra/kafka");
let kafka: Kafka;

beforeAll(async () => {
  kafka = await startKafka({ objects, services: new ServiceMap(objects) });
});

afterAll(async () => {
  await kafka?.stop();
  await stopAll();
});

test("a record is produced and consumed through the advertised listener", () => {
  const trip = kafkaRoundTrip(kafka, "day-one", `hello-${process.pid}`);
  expect(trip.advertised).toEqual(kafka.advertised);
  expect(trip.consumed).toBe(`${trip.produced} hello-${process.pid}`);
});

test("the broker runs the tree's KRaft settings, storage formatted with our CLUSTER_ID", () => {
  expect(kafka.serverProperties).toMatch(/^process\.roles=broker,controller$/m);
  expect(kafka.serverProperties).toMatch(/^num\.partitions=3$/m);
  const clusterId = containerEnv(containerOf(objects, "StatefulSet", "kafka"), objects).CLUSTER_ID;
  expect(kafka.metaProperties()).toContain(`cluster.id=${clusterId}`);
});

test("CLUSTER_ID is a base64 UUID, as kafka-storage.sh random-uuid prints (22 characters, 16 bytes)", () => {
  const clusterId = containerEnv(containerOf(objects, "StatefulSet", "kafka"), objects).CLUSTER_ID;
  expect(clusterId).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  expect(Buffer.from(clusterId, "base64url")).toHaveLength(16);
});
