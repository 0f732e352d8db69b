import type { KubeApi } from "./kube-api";
import { sleep } from "./processes";

export type Outcome = "admitted" | "denied" | "webhook-unreachable" | "other";

/**
 * Sends a compliant Pod through admission (server-side dry run, so nothing is created) back to back, and
 * records each answer: what a user or Flux sees while the module is being upgraded or removed.
 */
export class AdmissionProbe {
  readonly results: { at: number; outcome: Outcome; message: string }[] = [];
  private running = true;
  private loop?: Promise<void>;

  constructor(
    private readonly api: KubeApi,
    private readonly namespace: string,
  ) {}

  start(): this {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { generateName: "probe-", namespace: this.namespace },
      spec: {
        // Compliant on its own (Pod Security "restricted" included), so the answer does not depend on the
        // module's mutation: with the module gone, the API server must still admit it.
        securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
        containers: [
          {
            name: "app",
            image: "nginx:1.27",
            resources: { requests: { cpu: "50m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
            securityContext: {
              allowPrivilegeEscalation: false,
              capabilities: { drop: ["ALL"] },
              readOnlyRootFilesystem: true,
            },
          },
        ],
      },
    };
    this.loop = (async () => {
      while (this.running) {
        const at = Date.now();
        try {
          await this.api.post(`/api/v1/namespaces/${this.namespace}/pods?dryRun=All`, pod);
          this.results.push({ at, outcome: "admitted", message: "" });
        } catch (err) {
          const message = (err as Error).message;
          const outcome: Outcome = /denied the request/.test(message)
            ? "denied"
            : /failed calling webhook/.test(message)
              ? "webhook-unreachable"
              : "other";
          this.results.push({ at, outcome, message });
        }
        await sleep(50);
      }
    })();
    return this;
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.api.close();
  }

  failures(): { at: number; outcome: Outcome; message: string }[] {
    return this.results.filter(r => r.outcome !== "admitted");
  }

  /** From the first failed answer to the last one (0 when none failed), in ms. */
  windowMs(): number {
    const f = this.failures();
    return f.length ? f[f.length - 1].at - f[0].at : 0;
  }
}
