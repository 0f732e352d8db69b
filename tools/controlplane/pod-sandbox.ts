import { ChildProcess, spawn, spawnSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { isAbsolute, join, normalize } from "node:path";
import { KUBERNETES_SERVICE_IP } from "./cluster-network";
import { KubeApi } from "./kube-api";
import { Container, Pod, writeVolumes } from "./pod-volumes";
import { sleep } from "./processes";

/** What an image provides on this machine: the command it runs and the directories it ships. */
export interface LocalImage {
  entrypoint: string[];
  /** Directories of this machine mounted read-only where the image has them (its /app/node_modules). */
  mounts: { source: string; target: string }[];
}

/** Resolves an image reference to what runs it here, or explains why it cannot run. */
export type ImageResolver = (image: string) => LocalImage | string;

/** A container running as a local process tree, in its own namespaces. */
export interface Sandbox {
  pod: Pod;
  podIP: string;
  /** The control plane's end of the pod's veth pair; it disappears with the pod's network namespace. */
  hostIf: string;
  dir: string;
  child: ChildProcess;
  log: string;
  startedAt: string;
  exited?: { code: number | null; signal: string | null };
}

const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const SAFE_PATH = /^\/[A-Za-z0-9._/+-]*$/;

function checkedPath(p: string, what: string): string {
  if (!isAbsolute(p) || !SAFE_PATH.test(p) || normalize(p) !== p)
    throw new Error(`${what}: ${JSON.stringify(p)} is not a plain absolute path`);
  return p;
}

/** The environment the kubelet gives a container: its own env, the `kubernetes` Service, its hostname. */
function containerEnv(pod: Pod, c: Container): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH,
    HOSTNAME: pod.metadata.name,
    KUBERNETES_SERVICE_HOST: KUBERNETES_SERVICE_IP,
    KUBERNETES_SERVICE_PORT: "443",
    KUBERNETES_SERVICE_PORT_HTTPS: "443",
    KUBERNETES_PORT: `tcp://${KUBERNETES_SERVICE_IP}:443`,
    KUBERNETES_PORT_443_TCP: `tcp://${KUBERNETES_SERVICE_IP}:443`,
    KUBERNETES_PORT_443_TCP_PROTO: "tcp",
    KUBERNETES_PORT_443_TCP_PORT: "443",
    KUBERNETES_PORT_443_TCP_ADDR: KUBERNETES_SERVICE_IP,
  };
  for (const e of c.env ?? []) {
    if (e.valueFrom !== undefined)
      throw new Error(`env ${e.name} of container ${c.name}: valueFrom is not supported by the local kubelet`);
    env[e.name] = e.value ?? "";
  }
  return env;
}

function mountLines(image: LocalImage, c: Container, volumes: Map<string, string>): string {
  const lines = image.mounts.map(m => [m.source, checkedPath(m.target, "image mount"), "ro"]);
  for (const m of c.volumeMounts ?? []) {
    const source = volumes.get(m.name);
    if (!source) throw new Error(`volumeMount ${m.name} of container ${c.name}: no such volume`);
    if (m.subPath) throw new Error(`volumeMount ${m.name}: subPath is not supported by the local kubelet`);
    lines.push([source, checkedPath(m.mountPath, `mountPath of ${m.name}`), m.readOnly ? "ro" : "rw"]);
  }
  for (const [source] of lines) checkedPath(source, "mount source");
  return lines.map(l => l.join("\t")).join("\n") + "\n";
}

/** Waits until `pid` has left this process's network namespace (unshare has run). */
async function ownNetns(pid: number): Promise<string> {
  const mine = readlinkSync("/proc/self/ns/net");
  for (let i = 0; i < 200; i++) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/net`) !== mine) return `/proc/${pid}/ns/net`;
    } catch {
      throw new Error(`sandbox process ${pid} exited before it had a network namespace`);
    }
    await sleep(25);
  }
  throw new Error(`sandbox process ${pid} has no network namespace of its own after 5 s`);
}

function ip(args: string[], netns?: string): void {
  const cmd = netns ? ["nsenter", [`--net=${netns}`, "--", "ip", ...args]] : ["ip", args];
  const r = spawnSync(cmd[0] as string, cmd[1] as string[], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr || r.error}`);
}

/** Through netlink, not /sys: /sys/class/net shows the namespace /sys was mounted in, not this one. */
function linkExists(name: string): boolean {
  return spawnSync("ip", ["link", "show", "dev", name], { stdio: "ignore" }).status === 0;
}

/**
 * The pod's network as a CNI plugin would make it: a veth pair, `eth0` with the pod IP inside the pod's
 * namespace, a host route to it in the control plane's namespace, and a default route out (to the API
 * server's address there).
 */
function plugNetwork(netns: string, podIP: string, hostIf: string): void {
  ip(["link", "add", hostIf, "type", "veth", "peer", "name", "eth0", "netns", netns]);
  ip(["link", "set", "lo", "up"], netns);
  ip(["addr", "add", `${podIP}/32`, "dev", "eth0"], netns);
  ip(["link", "set", "eth0", "up"], netns);
  ip(["route", "add", "default", "dev", "eth0"], netns);
  ip(["link", "set", hostIf, "up"]);
  ip(["route", "add", `${podIP}/32`, "dev", hostIf]);
}

/** Starts the pod's only container. Runs inside the control plane's network namespace, as root. */
export async function startSandbox(
  api: KubeApi,
  pod: Pod,
  opts: { podsDir: string; podIP: string; images: ImageResolver },
): Promise<Sandbox> {
  const { name, namespace, uid } = pod.metadata;
  if (pod.spec.containers.length !== 1)
    throw new Error(`pod ${namespace}/${name}: the local kubelet runs pods of exactly one container`);
  const c = pod.spec.containers[0];
  const image = opts.images(c.image);
  if (typeof image === "string") throw new Error(`pod ${namespace}/${name}: ${image}`);
  const dir = join(opts.podsDir, `${namespace}_${name}_${uid.slice(0, 8)}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const volumes = await writeVolumes(api, pod, join(dir, "volumes"));
  writeFileSync(join(dir, "mounts"), mountLines(image, c, volumes));
  const sc = { ...pod.spec.securityContext, ...c.securityContext };
  const uidNum = sc.runAsUser ?? 0;
  const gidNum = sc.runAsGroup ?? uidNum;
  const command = [...(c.command ?? image.entrypoint), ...(c.args ?? [])];
  const log = join(dir, "container.log");
  const fd = openSync(log, "a");
  // --pdeathsig: if the kubelet dies, so do its containers (unshare --kill-child takes the PID namespace down).
  const child = spawn(
    "setpriv",
    [
      "--pdeathsig=KILL",
      "unshare",
      "--net",
      "--mount",
      "--uts",
      "--ipc",
      "--pid",
      "--fork",
      "--kill-child",
      "--",
      "/bin/sh",
      join(__dirname, "pod-sandbox.sh"),
      dir,
      String(uidNum),
      String(gidNum),
      name,
      "--",
      ...command,
    ],
    { stdio: ["ignore", fd, fd], env: containerEnv(pod, c) },
  );
  closeSync(fd);
  if (!child.pid) throw new Error(`pod ${namespace}/${name}: could not start its sandbox`);
  const hostIf = `bk${opts.podIP.split(".").slice(2).join("x")}`;
  const sandbox: Sandbox = { pod, podIP: opts.podIP, hostIf, dir, child, log, startedAt: new Date().toISOString() };
  child.on("exit", (code, signal) => (sandbox.exited = { code, signal }));
  try {
    const netns = await ownNetns(child.pid);
    // A pair left by a container that did not stop would take the address: remove it first.
    if (linkExists(hostIf)) ip(["link", "del", hostIf]);
    plugNetwork(netns, opts.podIP, hostIf);
    writeFileSync(join(dir, "network-ready"), "");
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  return sandbox;
}

/** Kills the sandbox (its PID namespace with it) and waits until its network namespace is gone too. */
export async function stopSandbox(s: Sandbox): Promise<void> {
  if (!s.exited) {
    s.child.kill("SIGKILL");
    for (let i = 0; i < 100 && !s.exited; i++) await sleep(50);
  }
  for (let i = 0; i < 100 && linkExists(s.hostIf); i++) await sleep(50);
  if (linkExists(s.hostIf))
    throw new Error(`pod ${s.pod.metadata.name}: its network is still there 5 s after its container was killed`);
}
