/**
 * ZooKeeper (the image's version, jars from Maven Central) started from the ZooKeeper StatefulSet as the
 * zookeeper image's entrypoint starts it: $ZOO_CONF_DIR/zoo.cfg as mounted (or, when absent, generated from the
 * ZOO_* variables with the image's defaults), $ZOO_CONF_DIR on the classpath so its logback.xml is the logging
 * configuration, `QuorumPeerMain zoo.cfg`.
 *
 *   const zk = await startZooKeeper({ objects, services });   // registers the zookeeper Service's client port
 *   zk.log();                                                  // what ZooKeeper printed (logback's output)
 *   await zk.stop();
 *
 * Loopback only: clientPort and the server.N ports are replaced by free ports; dataDir/dataLogDir must be on
 * volumes of the manifest and are mapped into the state directory.
 */
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { KubeObject } from "../../../capabilities/k8s/object";
import { configMapFile, containerEnv, containerOf, imageTag } from "./manifests";
import { mavenJars } from "./maven";
import { freePort, RealProcess, stopAndRemove, withStateDir, spawnReal } from "./process";
import { tcpOpen } from "./pgbouncer";
import { ServiceMap } from "./services";
import { mapIntoState } from "./volumes";

/** The image's ENV defaults (its Dockerfile) for what the entrypoint writes into zoo.cfg. */
const IMAGE_DEFAULTS: Record<string, string> = {
  ZOO_CONF_DIR: "/conf",
  ZOO_DATA_DIR: "/data",
  ZOO_DATA_LOG_DIR: "/datalog",
  ZOO_TICK_TIME: "2000",
  ZOO_INIT_LIMIT: "5",
  ZOO_SYNC_LIMIT: "2",
  ZOO_AUTOPURGE_PURGEINTERVAL: "0",
  ZOO_AUTOPURGE_SNAPRETAINCOUNT: "3",
  ZOO_MAX_CLIENT_CNXNS: "60",
  ZOO_STANDALONE_ENABLED: "true",
  ZOO_ADMINSERVER_ENABLED: "true",
};

/**
 * ZooKeeper's pom marks what its binary distribution's lib/ ships as provided or optional (logback, metrics,
 * snappy, commons-cli); those are named here at the versions of the 3.9 line's parent pom.
 */
function zookeeperCoordinates(version: string): string[] {
  return [
    `org.apache.zookeeper:zookeeper:${version}`,
    "ch.qos.logback:logback-classic:1.2.13",
    "io.dropwizard.metrics:metrics-core:4.1.12.1",
    "org.xerial.snappy:snappy-java:1.1.10.5",
    "commons-cli:commons-cli:1.5.0",
  ];
}

export interface ZooKeeper {
  version: string;
  clientPort: number;
  /** zoo.cfg as ZooKeeper read it (after the loopback rewrite). */
  config: string;
  /** Whether the container's logback.xml came from the manifest (false: logback's DEBUG default). */
  logbackFromManifest: boolean;
  log(): string;
  process: RealProcess;
  stop(): Promise<void>;
}

/** The entrypoint's zoo.cfg when none is mounted. */
export function entrypointZooCfg(env: Record<string, string>): string {
  const e = { ...IMAGE_DEFAULTS, ...env };
  const lines = [
    `dataDir=${e.ZOO_DATA_DIR}`,
    `dataLogDir=${e.ZOO_DATA_LOG_DIR}`,
    `tickTime=${e.ZOO_TICK_TIME}`,
    `initLimit=${e.ZOO_INIT_LIMIT}`,
    `syncLimit=${e.ZOO_SYNC_LIMIT}`,
    `autopurge.snapRetainCount=${e.ZOO_AUTOPURGE_SNAPRETAINCOUNT}`,
    `autopurge.purgeInterval=${e.ZOO_AUTOPURGE_PURGEINTERVAL}`,
    `maxClientCnxns=${e.ZOO_MAX_CLIENT_CNXNS}`,
    `standaloneEnabled=${e.ZOO_STANDALONE_ENABLED}`,
    `admin.enableServer=${e.ZOO_ADMINSERVER_ENABLED}`,
    ...(e.ZOO_SERVERS || "server.1=localhost:2888:3888;2181").split(/\s+/).filter(Boolean),
  ];
  if (e.ZOO_4LW_COMMANDS_WHITELIST) lines.push(`4lw.commands.whitelist=${e.ZOO_4LW_COMMANDS_WHITELIST}`);
  lines.push(...(e.ZOO_CFG_EXTRA ?? "").split(/\s+/).filter(Boolean));
  return lines.join("\n") + "\n";
}

export async function startZooKeeper(opts: {
  objects: KubeObject[];
  services: ServiceMap;
  statefulSet?: string;
  timeoutMs?: number;
}): Promise<ZooKeeper> {
  const w = containerOf(opts.objects, "StatefulSet", opts.statefulSet ?? "zookeeper");
  const version = imageTag(w.container.image);
  const env = { ...IMAGE_DEFAULTS, ...containerEnv(w, opts.objects) };
  const libs = mavenJars(`zookeeper-${version}`, zookeeperCoordinates(version));
  return withStateDir("zookeeper", async state => {
    const confDir = env.ZOO_CONF_DIR;
    const mounted = configMapFile(w, opts.objects, `${confDir}/zoo.cfg`);
    // Without a mounted zoo.cfg the entrypoint writes one, so the conf dir must then be writable (a volume).
    if (mounted === undefined) mapIntoState(w, confDir, state);
    const logback = configMapFile(w, opts.objects, `${confDir}/logback.xml`);
    const clientPort = await freePort();
    const cfg = await loopbackZooCfg(mounted ?? entrypointZooCfg(env), clientPort, w, state);
    const localConf = join(state, "conf");
    mkdirSync(localConf);
    writeFileSync(join(localConf, "zoo.cfg"), cfg);
    if (logback !== undefined) writeFileSync(join(localConf, "logback.xml"), logback);
    const dataDir = cfg.match(/^dataDir=(.*)$/m)?.[1] ?? "";
    writeFileSync(join(dataDir, "myid"), `${env.ZOO_MY_ID ?? "1"}\n`);
    const proc = spawnReal({
      name: "zookeeper",
      command: "java",
      args: [
        "-Xmx256m",
        "-cp",
        `${localConf}:${libs}/*`,
        "org.apache.zookeeper.server.quorum.QuorumPeerMain",
        join(localConf, "zoo.cfg"),
      ],
      env: { JAVA_TOOL_OPTIONS: `-Djava.io.tmpdir=${state}` },
      stateDir: state,
    });
    await proc.waitReady(
      `ZooKeeper ${version} listens`,
      () => tcpOpen("127.0.0.1", clientPort),
      opts.timeoutMs ?? 60_000,
    );
    for (const svc of opts.services.servicesSelecting(podLabels(w.object), w.namespace))
      for (const p of svc.ports)
        opts.services.register(svc.name, w.namespace, p.port, { host: "127.0.0.1", port: clientPort });
    return {
      version,
      clientPort,
      config: cfg,
      logbackFromManifest: logback !== undefined,
      log: () => readFileSync(proc.log, "utf8"),
      process: proc,
      stop: stopAndRemove(proc, state),
    };
  });
}

const podLabels = (o: KubeObject) =>
  ((o.spec as { template?: { metadata?: { labels?: Record<string, string> } } })?.template?.metadata?.labels ??
    {}) as Record<string, string>;

/** Free ports for clientPort and the server.N quorum/election ports; dataDir/dataLogDir into the state dir. */
async function loopbackZooCfg(
  cfg: string,
  clientPort: number,
  w: ReturnType<typeof containerOf>,
  state: string,
): Promise<string> {
  const out: string[] = [];
  for (const raw of cfg.split("\n")) {
    const line = raw.trim();
    const eq = line.indexOf("=");
    const key = eq > 0 ? line.slice(0, eq) : "";
    const value = eq > 0 ? line.slice(eq + 1) : "";
    if (key === "dataDir" || key === "dataLogDir") out.push(`${key}=${mapIntoState(w, value, state)}`);
    else if (key === "clientPort") out.push(`clientPort=${clientPort}`);
    else if (key.startsWith("server.")) {
      const [peers] = value.split(";");
      const host = peers.split(":")[0];
      if (host !== "localhost" && host !== "127.0.0.1")
        throw new Error(`${w.kind}/${w.name} zoo.cfg ${key}: only a single local server is supported`);
      out.push(`${key}=127.0.0.1:${await freePort()}:${await freePort()};127.0.0.1:${clientPort}`);
    } else out.push(raw);
  }
  return out.join("\n");
}
