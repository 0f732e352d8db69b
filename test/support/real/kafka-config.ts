/**
 * The apache/kafka image's launcher, as data (facts from its docker/ scripts; the code is ours): defaults
 * (`CLUSTER_ID` when unset), the `configure` rules (a controller-only node drops KAFKA_ADVERTISED_LISTENERS; empty
 * KAFKA_LISTENERS are derived from the advertised ones), then `KafkaDockerWrapper setup`, which turns every
 * KAFKA_* variable into a property (strip `KAFKA_`, lower-case, `_` -> `.`, `__` -> `_`, `___` -> `-`) and, in
 * KRaft mode, formats storage with CLUSTER_ID. The harness runs that wrapper class itself from the jars;
 * this file only moves the addresses in the env from the cluster's to loopback ports:
 *
 *   const local = await localKafkaEnv(env, { workload, services, stateDir });
 *   // local.env: KAFKA_LISTENERS=PLAINTEXT://127.0.0.1:<free>,... KAFKA_ADVERTISED_LISTENERS=<resolved>, ...
 *
 * Every advertised address must resolve through `services` to this broker's own listener (a Service of the
 * tree whose port targets that container port), so a broker advertising a name no Service answers fails here.
 */
import { freePort } from "./process";
import { Address, ServiceMap } from "./services";
import { Workload } from "./manifests";
import { mapIntoState } from "./volumes";

/** configureDefaults of the image: the cluster id used when CLUSTER_ID is unset. */
export const IMAGE_DEFAULT_CLUSTER_ID = "5L6g3nShT-eMCtK--X86sw";

export interface Listener {
  name: string;
  host: string;
  port: number;
}

/** `NAME://host:port,...` (host may be empty: every interface). */
export function parseListeners(value: string, what: string): Listener[] {
  return value
    .split(",")
    .map(s => s.trim())
    .filter(Boolean)
    .map(item => {
      const sep = item.indexOf("://");
      const colon = item.lastIndexOf(":");
      const port = Number(item.slice(colon + 1));
      if (sep <= 0 || colon <= sep || !Number.isInteger(port))
        throw new Error(`${what}: "${item}" is not NAME://host:port`);
      return { name: item.slice(0, sep), host: item.slice(sep + 3, colon), port };
    });
}

const render = (ls: Listener[]) => ls.map(l => `${l.name}://${l.host}:${l.port}`).join(",");

/** The image's defaults and `configure` rules applied to the container's env. */
export function imageLauncherEnv(env: Record<string, string>): Record<string, string> {
  const out = { ...env };
  if (!out.CLUSTER_ID) out.CLUSTER_ID = IMAGE_DEFAULT_CLUSTER_ID;
  if (out.KAFKA_PROCESS_ROLES === "controller") delete out.KAFKA_ADVERTISED_LISTENERS;
  else if (!out.KAFKA_LISTENERS && out.KAFKA_ADVERTISED_LISTENERS) {
    out.KAFKA_LISTENERS = render(
      parseListeners(out.KAFKA_ADVERTISED_LISTENERS, "KAFKA_ADVERTISED_LISTENERS").map(l => ({
        ...l,
        host: "0.0.0.0",
      })),
    );
  }
  return out;
}

export interface LocalKafkaEnv {
  env: Record<string, string>;
  /** Container port -> loopback port of each listener. */
  ports: Map<number, number>;
  advertised: Address[];
  /** The log dirs, mapped into the state directory. */
  logDirs: string[];
}

/** The pod's own names for itself: localhost and, for a StatefulSet, <name>-0.<headless service>. */
function selfNames(w: Workload): string[] {
  const spec = w.object.spec as { serviceName?: string } | undefined;
  const names = ["localhost", "127.0.0.1"];
  if (w.kind === "StatefulSet" && spec?.serviceName) {
    const pod = `${w.name}-0.${spec.serviceName}`;
    names.push(pod, `${pod}.${w.namespace}`, `${pod}.${w.namespace}.svc`, `${pod}.${w.namespace}.svc.cluster.local`);
  }
  return names;
}

export async function localKafkaEnv(
  launcherEnv: Record<string, string>,
  opts: { workload: Workload; services: ServiceMap; stateDir: string },
): Promise<LocalKafkaEnv> {
  const { workload: w, services } = opts;
  const env = { ...launcherEnv };
  const listeners = parseListeners(env.KAFKA_LISTENERS ?? "", `${w.kind}/${w.name} KAFKA_LISTENERS`);
  if (listeners.length === 0) throw new Error(`${w.kind}/${w.name}: KAFKA_LISTENERS is empty`);
  const ports = new Map<number, number>();
  for (const l of listeners) ports.set(l.port, await freePort());
  env.KAFKA_LISTENERS = render(listeners.map(l => ({ ...l, host: "127.0.0.1", port: ports.get(l.port)! })));
  for (const self of selfNames(w))
    for (const [cport, lport] of ports) services.registerRaw(self, cport, { host: "127.0.0.1", port: lport });
  registerOwnServices(w, services, ports);

  const advertised: Address[] = [];
  if (env.KAFKA_ADVERTISED_LISTENERS) {
    const ads = parseListeners(env.KAFKA_ADVERTISED_LISTENERS, `${w.kind}/${w.name} KAFKA_ADVERTISED_LISTENERS`);
    for (const a of ads) {
      const own = listeners.find(l => l.name === a.name);
      if (!own) throw new Error(`${w.kind}/${w.name}: advertised listener ${a.name} is not in KAFKA_LISTENERS`);
      const local = services.resolve(a.host, a.port);
      if (local.port !== ports.get(own.port))
        throw new Error(
          `${w.kind}/${w.name}: ${a.name} advertises ${a.host}:${a.port}, which is not its own listener ${own.port}`,
        );
      advertised.push(local);
    }
    env.KAFKA_ADVERTISED_LISTENERS = render(ads.map((a, i) => ({ ...a, ...advertised[i] })));
  }
  if (env.KAFKA_CONTROLLER_QUORUM_VOTERS) {
    env.KAFKA_CONTROLLER_QUORUM_VOTERS = env.KAFKA_CONTROLLER_QUORUM_VOTERS.split(",")
      .map(v => {
        const [id, hostPort] = v.split("@");
        const colon = hostPort?.lastIndexOf(":") ?? -1;
        if (!hostPort || colon < 0) throw new Error(`${w.kind}/${w.name}: quorum voter "${v}" is not id@host:port`);
        const local = services.resolve(hostPort.slice(0, colon), Number(hostPort.slice(colon + 1)));
        return `${id}@${local.host}:${local.port}`;
      })
      .join(",");
  }
  if (env.KAFKA_ZOOKEEPER_CONNECT) {
    const [hosts, ...chroot] = env.KAFKA_ZOOKEEPER_CONNECT.split("/");
    const mapped = hosts.split(",").map(h => {
      const colon = h.lastIndexOf(":");
      const local = services.resolve(h.slice(0, colon), Number(h.slice(colon + 1)));
      return `${local.host}:${local.port}`;
    });
    env.KAFKA_ZOOKEEPER_CONNECT = [mapped.join(","), ...chroot].join("/");
  }
  const logDirs = env.KAFKA_LOG_DIRS ?? env.KAFKA_LOG_DIR ?? "/tmp/kraft-combined-logs";
  const key = env.KAFKA_LOG_DIRS !== undefined || env.KAFKA_LOG_DIR === undefined ? "KAFKA_LOG_DIRS" : "KAFKA_LOG_DIR";
  const mapped = logDirs.split(",").map(d => mapIntoState(w, d.trim(), opts.stateDir));
  env[key] = mapped.join(",");
  return { env, ports, advertised, logDirs: mapped };
}

/** Registers each Service selecting this workload's pods, port by port, at the listener its targetPort names. */
function registerOwnServices(w: Workload, services: ServiceMap, ports: Map<number, number>): void {
  const labels = ((w.object.spec as { template?: { metadata?: { labels?: Record<string, string> } } })?.template
    ?.metadata?.labels ?? {}) as Record<string, string>;
  for (const svc of services.servicesSelecting(labels, w.namespace)) {
    for (const p of svc.ports) {
      const target =
        typeof p.targetPort === "string"
          ? w.container.ports?.find(c => c.name === p.targetPort)?.containerPort
          : (p.targetPort ?? p.port);
      const local = target !== undefined ? ports.get(target) : undefined;
      if (local !== undefined) services.register(svc.name, w.namespace, p.port, { host: "127.0.0.1", port: local });
      if (local !== undefined && svc.headless)
        services.registerRaw(`${w.name}-0.${svc.name}.${w.namespace}.svc.cluster.local`, p.port, {
          host: "127.0.0.1",
          port: local,
        });
    }
  }
}

/** The address-bearing broker properties and the env variables the launcher would derive them from. */
const ADDRESS_PROPERTIES: [property: string, env: string][] = [
  ["listeners", "KAFKA_LISTENERS"],
  ["advertised.listeners", "KAFKA_ADVERTISED_LISTENERS"],
  ["controller.quorum.voters", "KAFKA_CONTROLLER_QUORUM_VOTERS"],
  ["zookeeper.connect", "KAFKA_ZOOKEEPER_CONNECT"],
  ["log.dirs", "KAFKA_LOG_DIRS"],
  ["log.dir", "KAFKA_LOG_DIR"],
];

/** `key=value` lines (comments and blanks kept out); a line without `=` is an error naming it. */
export function parseProperties(text: string, what: string): Map<string, string> {
  const out = new Map<string, string>();
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith("!")) return;
    const eq = line.indexOf("=");
    if (eq <= 0) throw new Error(`${what} line ${i + 1}: "${line}" is not key=value`);
    out.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  });
  return out;
}

/** A server.properties given to kafka-server-start.sh directly, with its addresses moved to loopback. */
export async function localKafkaProperties(
  props: Map<string, string>,
  opts: { workload: Workload; services: ServiceMap; stateDir: string },
): Promise<{ text: string; local: LocalKafkaEnv }> {
  const env: Record<string, string> = {};
  for (const [prop, name] of ADDRESS_PROPERTIES) if (props.has(prop)) env[name] = props.get(prop)!;
  const local = await localKafkaEnv(env, opts);
  const out = new Map(props);
  for (const [prop, name] of ADDRESS_PROPERTIES) if (local.env[name] !== undefined) out.set(prop, local.env[name]);
  return { text: [...out].map(([k, v]) => `${k}=${v}`).join("\n") + "\n", local };
}
