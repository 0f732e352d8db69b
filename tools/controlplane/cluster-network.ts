import { spawnSync } from "node:child_process";
import { createServer, Server } from "node:net";
import { join } from "node:path";
import { freePort, startProcess, Started, tail, waitFor } from "./processes";

/**
 * The `kubernetes` Service's ClusterIP (the first address of --service-cluster-ip-range): pods reach the API
 * server there, as the kubelet's KUBERNETES_SERVICE_HOST tells them.
 */
export const KUBERNETES_SERVICE_IP = "10.96.0.1";
export const SERVICE_CIDR = "10.96.0.0/16";

/** Where each component listens, inside its network, and how this machine's 127.0.0.1 reaches it. */
export interface ComponentPorts {
  etcd: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
}

/**
 * How the control plane's processes are networked. `loopback`: on the machine's 127.0.0.1 with free ports
 * (the API server can only call webhooks registered by URL on localhost, which is what `pepr dev` does).
 * `namespace`: in a network namespace of its own, where Service and pod addresses exist (FACTS: the network
 * rule), so webhooks are called through the Service exactly as `pepr deploy` writes them.
 */
export interface ComponentNetwork {
  readonly kind: "loopback" | "namespace";
  readonly ports: ComponentPorts;
  /** The API server's --bind-address. */
  readonly apiBindAddress: string;
  /** The command line that runs `command` inside this network. */
  wrap(command: string, args: string[]): { command: string; args: string[] };
  /** The port on this machine's 127.0.0.1 that reaches `port` of this network. */
  hostPort(port: number): number;
  /** The relay that keeps a namespace alive and forwards to it; none for loopback. */
  readonly anchor?: Started;
  /** Runs `ip` inside the network (namespace only). */
  ip(args: string[]): void;
  /** The file that names the network namespace, for `nsenter --net=`. */
  readonly nsPath?: string;
}

export async function loopbackNetwork(): Promise<ComponentNetwork> {
  const [etcd, etcdPeer, apiserver, controllerManager, scheduler, kwok] = await Promise.all(
    Array.from({ length: 6 }, freePort),
  );
  return {
    kind: "loopback",
    ports: { etcd, etcdPeer, apiserver, controllerManager, scheduler, kwok },
    apiBindAddress: "127.0.0.1",
    wrap: (command, args) => ({ command, args }),
    hostPort: port => port,
    ip: () => {
      throw new Error("the loopback control plane has no network namespace");
    },
  };
}

/** The namespace is ours alone, so its components can use their well-known ports: nothing else binds there. */
const NAMESPACE_PORTS: ComponentPorts = {
  etcd: 2379,
  etcdPeer: 2380,
  apiserver: 443,
  controllerManager: 10257,
  scheduler: 10259,
  kwok: 10247,
};

type RelayMessage = { kind: "ready" } | { kind: "listening"; target: number } | { kind: "error"; error: string };

function relayReply(anchor: Started, expected: RelayMessage["kind"], what: string): Promise<RelayMessage> {
  const child = anchor.child;
  if (!child) throw new Error("the relay was not started by this process");
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => done(new Error(`relay: no answer to ${what} after 20 s:\n${tail(anchor.log)}`)),
      20_000,
    );
    const onMessage = (m: RelayMessage) => {
      if (m.kind === "error") done(new Error(m.error));
      else if (m.kind === expected) done(undefined, m);
    };
    const onExit = () => done(new Error(`relay exited during ${what}:\n${tail(anchor.log)}`));
    const done = (err?: Error, m?: RelayMessage) => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.off("exit", onExit);
      if (err) reject(err);
      else resolve(m as RelayMessage);
    };
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
}

function listenOnLoopback(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

/**
 * A network namespace made for one control plane (`unshare --net`), held open by the relay that runs in it.
 * Its loopback carries the `kubernetes` Service address; pods get their own namespaces joined to it by veth
 * pairs (pod-network.ts). Nothing is bound or dialled outside 127.0.0.1 in the machine's own namespace: the
 * machine reaches the API server only through the relay's sockets on 127.0.0.1. When every process in the
 * namespace has stopped, the kernel removes it (and the pods' veth pairs) — nothing to clean up by name.
 */
export async function namespaceNetwork(stateDir: string, detach: boolean): Promise<ComponentNetwork> {
  const tsx = require.resolve("tsx");
  const anchor = startProcess(
    "relay",
    "unshare",
    ["--net", "--", process.execPath, "--import", tsx, join(__dirname, "relay.ts"), stateDir],
    stateDir,
    { detach, ipc: true },
  );
  const relay = anchor.child;
  if (!relay) throw new Error("relay: no child process");
  await relayReply(anchor, "ready", "start-up");
  const nsPath = `/proc/${anchor.pid}/ns/net`;
  const ip = (args: string[]) => {
    const r = spawnSync("nsenter", [`--net=${nsPath}`, "--", "ip", ...args], { encoding: "utf8" });
    if (r.status !== 0)
      throw new Error(`ip ${args.join(" ")} in the control plane's namespace failed: ${r.stderr || r.error}`);
  };
  ip(["link", "set", "lo", "up"]);
  ip(["addr", "add", `${KUBERNETES_SERVICE_IP}/32`, "dev", "lo"]);

  const hostPorts = new Map<number, number>();
  for (const target of Object.values(NAMESPACE_PORTS)) {
    if (target === NAMESPACE_PORTS.etcdPeer) continue;
    const server = await listenOnLoopback();
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    const listening = relayReply(anchor, "listening", `forwarding 127.0.0.1:${port} to port ${target}`);
    relay.send({ kind: "listen", target }, server);
    await listening;
    // The relay holds its own copy of the socket now.
    server.close();
    hostPorts.set(target, port);
  }
  // Nothing more to hand over: let this process exit while the relay keeps running.
  relay.disconnect();
  await waitFor("relay", async () => anchor.child?.connected === false, { timeoutMs: 5000 });
  return {
    kind: "namespace",
    ports: NAMESPACE_PORTS,
    apiBindAddress: "0.0.0.0",
    anchor,
    nsPath,
    ip,
    wrap: (command, args) => ({ command: "nsenter", args: [`--net=${nsPath}`, "--", command, ...args] }),
    hostPort: port => {
      const host = hostPorts.get(port);
      if (!host) throw new Error(`port ${port} of the control plane's namespace is not forwarded to this machine`);
      return host;
    },
  };
}
