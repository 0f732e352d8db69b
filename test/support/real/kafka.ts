/**
 * Kafka at the image's version (jars from Maven Central) started from the Kafka StatefulSet's env the way the
 * apache/kafka image's launcher starts it: the launcher's defaults and rules (kafka-config.ts), then the real
 * `kafka.docker.KafkaDockerWrapper setup` class of that version writes server.properties from the KAFKA_*
 * variables into the image's config dir and formats the storage with CLUSTER_ID, then `kafka.Kafka` runs it.
 *
 *   const services = new ServiceMap(objects);
 *   const kafka = await startKafka({ objects, services });          // apps/infra/kafka rendered
 *   const trip = kafkaRoundTrip(kafka, "day-one", "hello");          // produce + consume via the advertised address
 *   await kafka.stop();
 *
 * The ZooKeeper variant: start ZooKeeper first (zookeeper.ts) and register its Service in `services`.
 * Paths the image writes (the log dirs, /opt/kafka/config, kafka-run-class.sh's /opt/kafka/logs, /tmp) must be
 * on volumes of the manifest. Java programs run as the test's own user: the jar cache lives in its home.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { KubeObject } from "../../../capabilities/k8s/object";
import { cacheRoot } from "../../../tools/cache";
import { containerEnv, containerOf, imageTag, SecretValues } from "./manifests";
import { mavenJars } from "./maven";
import { makeStateDir, RealProcess, removeStateDir, runToCompletion, spawnReal } from "./process";
import { imageLauncherEnv, localKafkaEnv } from "./kafka-config";
import { tcpOpen } from "./pgbouncer";
import { ServiceMap } from "./services";
import { mapIntoState } from "./volumes";

/** slf4j's simple binding prints the broker's log to stderr (the jars alone carry no binding). */
const LOG_BINDING = "org.slf4j:slf4j-simple:1.7.36";

export function kafkaLibs(version: string): string {
  return mavenJars(`kafka-${version}`, [`org.apache.kafka:kafka_2.13:${version}`, LOG_BINDING]);
}

/** Compiles KafkaRoundTrip.java once per Kafka version (javac from the JDK). */
export function kafkaClientDir(version: string): string {
  const libs = kafkaLibs(version);
  const dir = join(cacheRoot(), `kafka-${version}`, "client");
  if (existsSync(join(dir, "KafkaRoundTrip.class"))) return dir;
  mkdirSync(dir, { recursive: true });
  runToCompletion(
    "javac KafkaRoundTrip.java",
    "javac",
    ["-cp", `${libs}/*`, "-d", dir, join(__dirname, "java", "KafkaRoundTrip.java")],
    {
      timeoutMs: 120_000,
    },
  );
  return dir;
}

export interface Kafka {
  version: string;
  /** The broker's address as clients bootstrap it (the Service's, resolved to loopback). */
  bootstrap: string;
  /** What the broker advertises, after the harness's address mapping. */
  advertised: string[];
  serverProperties: string;
  /** meta.properties of the first log dir, as the storage format wrote it. */
  metaProperties: string;
  process: RealProcess;
  stop(): Promise<void>;
}

export interface StartKafkaOptions {
  objects: KubeObject[];
  services: ServiceMap;
  secrets?: SecretValues;
  statefulSet?: string;
  timeoutMs?: number;
}

export async function startKafka(opts: StartKafkaOptions): Promise<Kafka> {
  const w = containerOf(opts.objects, "StatefulSet", opts.statefulSet ?? "kafka");
  const version = imageTag(w.container.image);
  const libs = kafkaLibs(version);
  const state = makeStateDir("kafka");
  const timeoutMs = opts.timeoutMs ?? 90_000;
  try {
    const launcher = imageLauncherEnv(containerEnv(w, opts.objects, opts.secrets ?? {}));
    const local = await localKafkaEnv(launcher, { workload: w, services: opts.services, stateDir: state });
    const configDir = mapIntoState(w, "/opt/kafka/config", state);
    const logsDir = mapIntoState(w, "/opt/kafka/logs", state);
    const tmp = mapIntoState(w, "/tmp", state);
    const defaults = join(state, "image-defaults");
    mkdirSync(defaults);
    const env = { ...local.env, JAVA_TOOL_OPTIONS: `-Djava.io.tmpdir=${tmp}`, HOME: state };
    const setupArgs = ["-cp", `${libs}/*`, "kafka.docker.KafkaDockerWrapper", "setup"];
    setupArgs.push("--default-configs-dir", defaults, "--mounted-configs-dir", join(state, "no-mounted-configs"));
    setupArgs.push("--final-configs-dir", configDir);
    try {
      runToCompletion("KafkaDockerWrapper setup (the image's launcher)", "java", setupArgs, { env, timeoutMs });
    } catch (err) {
      // The launcher tolerates exactly this failure on a restart with existing storage.
      if (!/already formatted/i.test(String(err))) throw err;
    }
    const props = join(configDir, "server.properties");
    const heap = (launcher.KAFKA_HEAP_OPTS ?? "-Xmx1G -Xms1G").split(/\s+/).filter(Boolean);
    const proc = spawnReal({
      name: "kafka",
      command: "java",
      args: [...heap, `-Dkafka.logs.dir=${logsDir}`, "-cp", `${libs}/*`, "kafka.Kafka", props],
      env,
      stateDir: state,
    });
    const first = local.advertised[0] ?? { host: "127.0.0.1", port: [...local.ports.values()][0] };
    await proc.waitReady(`Kafka ${version} listens`, () => tcpOpen(first.host, first.port), timeoutMs);
    return {
      version,
      bootstrap: `${first.host}:${first.port}`,
      advertised: local.advertised.map(a => `${a.host}:${a.port}`),
      serverProperties: readFileSync(props, "utf8"),
      metaProperties: readFileSync(join(local.logDirs[0], "meta.properties"), "utf8"),
      process: proc,
      stop: async () => {
        await proc.stop();
        removeStateDir(state);
      },
    };
  } catch (err) {
    removeStateDir(state);
    throw err;
  }
}

export interface RoundTrip {
  /** The broker addresses the cluster's metadata named (what the client connected to after bootstrap). */
  advertised: string[];
  produced: string;
  consumed: string;
}

/** Creates `topic`, produces `value` and consumes it back with the real Kafka client of the broker's version. */
export function kafkaRoundTrip(
  kafka: { version: string; bootstrap: string },
  topic: string,
  value: string,
  timeoutMs = 90_000,
): RoundTrip {
  const cp = `${kafkaLibs(kafka.version)}/*:${kafkaClientDir(kafka.version)}`;
  const out = runToCompletion(
    `Kafka round trip via ${kafka.bootstrap}`,
    "java",
    ["-cp", cp, "KafkaRoundTrip", kafka.bootstrap, topic, value],
    {
      timeoutMs,
      env: { JAVA_TOOL_OPTIONS: "-Xmx256m" },
    },
  );
  const lines = out.split("\n");
  const pick = (prefix: string) => lines.filter(l => l.startsWith(prefix)).map(l => l.slice(prefix.length));
  return {
    advertised: pick("advertised "),
    produced: pick("produced ")[0] ?? "",
    consumed: pick("consumed ")[0] ?? "",
  };
}
