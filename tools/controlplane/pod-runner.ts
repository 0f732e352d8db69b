import { request } from "node:https";
import { KubeApi, KubeApiError } from "./kube-api";
import { ImageResolver, Sandbox, startSandbox, stopSandbox } from "./pod-sandbox";
import { Pod, Probe } from "./pod-volumes";
import { sleep } from "./processes";

/** Pod addresses the local kubelet hands out (kwok's fake pods use 10.0.0.0/24). */
const POD_NET = "10.0.1.";
const NODE_IP = "10.0.0.1";

interface Running {
  sandbox: Sandbox;
  ready: boolean;
  restarts: number;
  nextProbe: number;
  failures: number;
  terminating?: Promise<void>;
}

type Log = (message: string) => void;

/** A readiness probe as the kubelet runs it: HTTP(S) GET, any 2xx/3xx is success, certificate not checked. */
function httpProbe(podIP: string, probe: Probe): Promise<boolean> {
  const get = probe.httpGet;
  if (!get) return Promise.resolve(true);
  return new Promise(resolve => {
    const req = request(
      {
        host: podIP,
        port: get.port,
        path: get.path ?? "/",
        protocol: get.scheme === "HTTP" ? "http:" : "https:",
        rejectUnauthorized: false,
        timeout: 1000,
      },
      res => {
        res.resume();
        resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
      },
    );
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

/**
 * The kubelet for the pods of some namespaces on the kwok node (kwok is told to leave them alone): it runs each
 * pod's container as a local process tree (pod-sandbox.ts) with the pod's volumes, ServiceAccount token, user
 * and network; reports Running, the pod IP and readiness (from the pod's own readinessProbe) in the pod's
 * status; restarts a container that exits; and on deletion marks the pod not ready, lets the grace period
 * pass, stops the container and removes the pod. Endpoints, and so the webhook traffic, follow that status.
 */
export class PodRunner {
  private readonly running = new Map<string, Running>();
  private readonly usedIPs = new Set<string>();
  /** Pods whose start failed, and when to try again (the kubelet's back-off). */
  private readonly retryAt = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly api: KubeApi,
    private readonly opts: { namespaces: string[]; podsDir: string; images: ImageResolver; log: Log },
  ) {}

  async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.reconcile();
      } catch (err) {
        this.opts.log(`reconcile: ${(err as Error).message}`);
      }
      await sleep(300);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.running.values()].map(r => stopSandbox(r.sandbox)));
  }

  private async reconcile(): Promise<void> {
    const pods: Pod[] = [];
    for (const ns of this.opts.namespaces)
      pods.push(...(await this.api.get<{ items: Pod[] }>(`/api/v1/namespaces/${ns}/pods`)).items);
    const byUid = new Map(pods.map(p => [p.metadata.uid, p]));
    for (const [uid, r] of this.running) {
      const pod = byUid.get(uid);
      if (!pod || pod.metadata.deletionTimestamp)
        r.terminating ??= this.terminate(uid, r, !!pod).catch((err: unknown) =>
          this.opts.log(`stopping ${uid}: ${(err as Error).message}`),
        );
    }
    for (const pod of pods) {
      if (!pod.spec.nodeName || pod.metadata.deletionTimestamp) continue;
      const r = this.running.get(pod.metadata.uid);
      if (!r && (this.retryAt.get(pod.metadata.uid) ?? 0) <= Date.now()) await this.start(pod);
      else if (!r) continue;
      else if (r.sandbox.exited && !r.terminating) await this.restart(r);
      else if (!r.terminating) await this.probe(r);
    }
  }

  private allocateIP(): string {
    for (let i = 2; i < 255; i++) {
      const ip = `${POD_NET}${i}`;
      if (!this.usedIPs.has(ip)) {
        this.usedIPs.add(ip);
        return ip;
      }
    }
    throw new Error("the local kubelet ran out of pod addresses");
  }

  private async start(pod: Pod, restarts = 0, podIP = this.allocateIP()): Promise<void> {
    const id = `${pod.metadata.namespace}/${pod.metadata.name}`;
    try {
      const sandbox = await startSandbox(this.api, pod, {
        podsDir: this.opts.podsDir,
        podIP,
        images: this.opts.images,
      });
      const probe = pod.spec.containers[0].readinessProbe;
      const r: Running = {
        sandbox,
        ready: false,
        restarts,
        failures: 0,
        nextProbe: Date.now() + (probe?.initialDelaySeconds ?? 0) * 1000,
      };
      this.running.set(pod.metadata.uid, r);
      this.opts.log(`started ${id} at ${podIP} (log ${sandbox.log})`);
      await this.report(r);
    } catch (err) {
      this.usedIPs.delete(podIP);
      this.retryAt.set(pod.metadata.uid, Date.now() + 2_000);
      this.opts.log(`cannot start ${id}: ${(err as Error).message}`);
      await this.reportFailure(pod, (err as Error).message);
    }
  }

  private async restart(r: Running): Promise<void> {
    const pod = r.sandbox.pod;
    this.opts.log(
      `${pod.metadata.namespace}/${pod.metadata.name} exited (${JSON.stringify(r.sandbox.exited)}); restarting`,
    );
    this.running.delete(pod.metadata.uid);
    await sleep(Math.min(10_000, 1000 * 2 ** r.restarts));
    await this.start(pod, r.restarts + 1, r.sandbox.podIP);
  }

  private async probe(r: Running): Promise<void> {
    const probe = r.sandbox.pod.spec.containers[0].readinessProbe;
    if (Date.now() < r.nextProbe) return;
    r.nextProbe = Date.now() + (probe?.periodSeconds ?? 10) * 1000;
    const ok = probe ? await httpProbe(r.sandbox.podIP, probe) : true;
    r.failures = ok ? 0 : r.failures + 1;
    const ready = ok || (r.ready && r.failures < (probe?.failureThreshold ?? 3));
    if (ready !== r.ready) {
      r.ready = ready;
      await this.report(r);
    }
  }

  private async terminate(uid: string, r: Running, exists: boolean): Promise<void> {
    const pod = r.sandbox.pod;
    const path = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`;
    if (exists && r.ready) {
      r.ready = false;
      await this.report(r).catch(() => {});
    }
    // The container keeps serving through the grace period (Pepr's controller, PID 1, ignores SIGTERM).
    if (exists) await sleep(Math.min(pod.spec.terminationGracePeriodSeconds ?? 30, 30) * 1000);
    await stopSandbox(r.sandbox);
    this.running.delete(uid);
    this.usedIPs.delete(r.sandbox.podIP);
    if (exists)
      await this.api
        .delete(path, { apiVersion: "v1", kind: "DeleteOptions", gracePeriodSeconds: 0, preconditions: { uid } })
        .catch((err: unknown) => {
          if (!(err instanceof KubeApiError && err.status === 404)) throw err;
        });
    this.opts.log(`stopped ${pod.metadata.namespace}/${pod.metadata.name}`);
  }

  private async report(r: Running): Promise<void> {
    const { pod, podIP, startedAt } = r.sandbox;
    const c = pod.spec.containers[0];
    const condition = (type: string, status: boolean) => ({
      type,
      status: status ? "True" : "False",
      lastTransitionTime: new Date().toISOString(),
    });
    await this.api.mergePatch(`/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/status`, {
      status: {
        phase: "Running",
        hostIP: NODE_IP,
        hostIPs: [{ ip: NODE_IP }],
        podIP,
        podIPs: [{ ip: podIP }],
        startTime: startedAt,
        conditions: [
          condition("PodScheduled", true),
          condition("Initialized", true),
          condition("ContainersReady", r.ready),
          condition("Ready", r.ready),
        ],
        containerStatuses: [
          {
            name: c.name,
            image: c.image,
            imageID: "",
            ready: r.ready,
            started: true,
            restartCount: r.restarts,
            state: { running: { startedAt } },
          },
        ],
      },
    });
  }

  private async reportFailure(pod: Pod, message: string): Promise<void> {
    const c = pod.spec.containers[0];
    await this.api
      .mergePatch(`/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/status`, {
        status: {
          phase: "Pending",
          containerStatuses: [
            {
              name: c?.name ?? "unknown",
              image: c?.image ?? "",
              imageID: "",
              ready: false,
              restartCount: 0,
              state: { waiting: { reason: "LocalKubeletError", message: message.slice(0, 1000) } },
            },
          ],
        },
      })
      .catch(() => {});
  }
}
