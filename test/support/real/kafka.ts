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
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KubeObject } from "../../../capabilities/k8s/object";
import { cacheRoot } from "../../../tools/cache";
import { configMapFile, containerEnv, containerOf, imageTag, SecretValues, Workload } from "./manifests";
import { mavenJars } from "./maven";
import { RealProcess, stopAndRemove, withStateDir, runToCompletion, spawnReal } from "./process";
import { imageLauncherEnv, LocalKafkaEnv, localKafkaEnv, localKafkaProperties, parseProperties } from "./kafka-config";
import { tcpOpen } from "./pgbouncer";
import { ServiceMap } from "./services";
import { mapIntoState } from "./volumes";

/**
 * The jars carry no slf4j binding. Kafka 3.x's distribution logs through reload4j (so a manifest's
 * log4j.properties is really used); for 4.x (log4j2) slf4j's simple binding prints the log to stderr.
 */
const logBinding = (version: string) =>
  version.startsWith("3.")
    ? ["ch.qos.reload4j:reload4j:1.2.25", "org.slf4j:slf4j-reload4j:1.7.36"]
    : ["org.slf4j:slf4j-simple:1.7.36"];

export function kafkaLibs(version: string): string {
  return mavenJars(`kafka-${version}`, [`org.apache.kafka:kafka_2.13:${version}`, ...logBinding(version)]);
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
  metaProperties(): string;
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
  return withStateDir("kafka", async state => {
    const timeoutMs = opts.timeoutMs ?? 90_000;
    const containerEnvironment = containerEnv(w, opts.objects, opts.secrets ?? {});
    const logsDir = mapIntoState(w, "/opt/kafka/logs", state);
    const tmp = mapIntoState(w, "/tmp", state);
    const env = { JAVA_TOOL_OPTIONS: `-Djava.io.tmpdir=${tmp}`, HOME: state };
    const direct = directStart(w, opts.objects);
    const prepared = direct
      ? await prepareDirect(direct, { w, services: opts.services, state })
      : await prepareWithLauncher(containerEnvironment, { w, services: opts.services, state, libs, env, timeoutMs });
    const { props, local } = prepared;
    const heap = (containerEnvironment.KAFKA_HEAP_OPTS ?? "-Xmx1G -Xms1G").split(/\s+/).filter(Boolean);
    const log4j = log4jOption(w, opts.objects, containerEnvironment, state);
    const proc = spawnReal({
      name: "kafka",
      command: "java",
      args: [...heap, ...log4j, `-Dkafka.logs.dir=${logsDir}`, "-cp", `${libs}/*`, "kafka.Kafka", props],
      env: { ...env, ...prepared.env },
      stateDir: state,
    });
    const first = local.advertised[0] ?? { host: "127.0.0.1", port: [...local.ports.values()][0] };
    await proc.waitReady(`Kafka ${version} listens`, () => tcpOpen(first.host, first.port), timeoutMs);
    return {
      version,
      bootstrap: `${first.host}:${first.port}`,
      advertised: local.advertised.map(a => `${a.host}:${a.port}`),
      serverProperties: readFileSync(props, "utf8"),
      metaProperties: () => readFileSync(join(local.logDirs[0], "meta.properties"), "utf8"),
      process: proc,
      stop: stopAndRemove(proc, state),
    };
  });
}

/** kafka-server-start.sh with a properties file from a ConfigMap, instead of the image's launcher. */
function directStart(w: Workload, objects: KubeObject[]): string | undefined {
  const [cmd, file] = [...(w.container.command ?? []), ...(w.container.args ?? [])];
  if (!cmd) return undefined;
  if (!cmd.endsWith("/kafka-server-start.sh") || !file)
    throw new Error(
      `${w.kind}/${w.name}: the harness starts the image's launcher or kafka-server-start.sh <file>, not ${cmd}`,
    );
  const text = configMapFile(w, objects, file);
  if (text === undefined) throw new Error(`${w.kind}/${w.name}: ${file} is not provided by a ConfigMap volume`);
  return text;
}

interface Prepared {
  props: string;
  local: LocalKafkaEnv;
  env: Record<string, string>;
}

async function prepareDirect(text: string, o: { w: Workload; services: ServiceMap; state: string }): Promise<Prepared> {
  const parsed = parseProperties(text, `${o.w.kind}/${o.w.name} server.properties`);
  if (parsed.has("process.roles"))
    throw new Error(
      `${o.w.kind}/${o.w.name}: a KRaft server.properties needs formatted storage; use the image's launcher`,
    );
  const { text: localText, local } = await localKafkaProperties(parsed, {
    workload: o.w,
    services: o.services,
    stateDir: o.state,
  });
  const props = join(o.state, "server.properties");
  writeFileSync(props, localText);
  return { props, local, env: {} };
}

async function prepareWithLauncher(
  containerEnvironment: Record<string, string>,
  o: { w: Workload; services: ServiceMap; state: string; libs: string; env: Record<string, string>; timeoutMs: number },
): Promise<Prepared> {
  const launcher = imageLauncherEnv(containerEnvironment);
  const local = await localKafkaEnv(launcher, { workload: o.w, services: o.services, stateDir: o.state });
  const configDir = mapIntoState(o.w, "/opt/kafka/config", o.state);
  const defaults = join(o.state, "image-defaults");
  mkdirSync(defaults);
  const env = { ...o.env, ...local.env };
  const setupArgs = ["-cp", `${o.libs}/*`, "kafka.docker.KafkaDockerWrapper", "setup"];
  setupArgs.push("--default-configs-dir", defaults, "--mounted-configs-dir", join(o.state, "no-mounted-configs"));
  setupArgs.push("--final-configs-dir", configDir);
  try {
    runToCompletion("KafkaDockerWrapper setup (the image's launcher)", "java", setupArgs, {
      env,
      timeoutMs: o.timeoutMs,
    });
  } catch (err) {
    // The launcher tolerates exactly this failure on a restart with existing storage.
    if (!/already formatted/i.test(String(err))) throw err;
  }
  return { props: join(configDir, "server.properties"), local, env: local.env };
}

/** KAFKA_LOG4J_OPTS naming a ConfigMap file: that file, copied; otherwise a console configuration of ours. */
function log4jOption(w: Workload, objects: KubeObject[], env: Record<string, string>, state: string): string[] {
  const named = (env.KAFKA_LOG4J_OPTS ?? "").match(/-Dlog4j\.configuration=file:(\S+)/)?.[1];
  const text = named ? configMapFile(w, objects, named) : undefined;
  if (named && text === undefined)
    throw new Error(`${w.kind}/${w.name}: KAFKA_LOG4J_OPTS names ${named}, which no ConfigMap provides`);
  const file = join(state, "log4j.properties");
  writeFileSync(
    file,
    text ??
      "log4j.rootLogger=INFO, stdout\nlog4j.appender.stdout=org.apache.log4j.ConsoleAppender\nlog4j.appender.stdout.layout=org.apache.log4j.PatternLayout\n",
  );
  return [`-Dlog4j.configuration=file:${file}`];
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
