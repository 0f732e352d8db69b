import { request } from "node:https";
import {
  createRestrictedNamespace,
  eventually,
  E2eCluster,
  failOnDeadComponents,
  kubectlJson,
  limitRangeReconciled,
  SETUP_TIMEOUT_MS,
  startCluster,
} from "./cluster";
import { expectSecureDefaults } from "../support/pods";

// The module against a real kube-apiserver (built from Go modules), run the way `npx pepr dev` runs it.
let c: E2eCluster;

beforeAll(async () => {
  c = await startCluster({ module: true });
  expect(c.kubectl(["create", "namespace", "frontend"]).code).toBe(0);
  createRestrictedNamespace(c, "e2e-restricted");
  await limitRangeReconciled(c, "frontend");
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await c?.stop();
});

afterEach(() => failOnDeadComponents(c));

const json = (args: string[]) => kubectlJson(c, args);

const bareDeployment = (name: string, container: Record<string, unknown>) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "frontend" },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: "app", image: "nginx:1.27", ...container }] },
    },
  },
});

describe("admission on a real API server", () => {
  it("admits a bare Pod and returns it mutated, with the LimitRange defaults, Running on the kwok node", async () => {
    expect(c.kubectl(["run", "bare", "-n", "frontend", "--image=nginx:1.27"]).code).toBe(0);
    const pod = json(["get", "pod", "bare", "-n", "frontend"]);
    expectSecureDefaults(pod.spec);
    expect(pod.spec.containers[0].resources).toEqual({
      limits: { cpu: "500m", memory: "512Mi" },
      requests: { cpu: "250m", memory: "256Mi" },
    });
    await eventually(
      "pod Running",
      () => json(["get", "pod", "bare", "-n", "frontend"]).status.phase,
      p => p === "Running",
    );
  });

  it("denies a privileged Pod with the documented message", () => {
    const r = c.kubectl(["run", "priv", "-n", "frontend", "--image=nginx:1.27", "--privileged"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'admission webhook "pepr-bonsai-guardrails.pepr.dev" denied the request: Pod frontend/priv is denied by Bonsai guardrails',
    );
    expect(r.stderr).toContain(
      '[pod-security-standards/privileged] Privileged containers are forbidden: spec.containers[0].securityContext.privileged (container "priv") is true; allowed: false or unset',
    );
  });

  it("denies a Deployment with a bad template at the Deployment, naming the template's field path", () => {
    const r = c.apply(bareDeployment("bad", { securityContext: { privileged: true, runAsUser: 0 } }));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("Deployment frontend/bad is denied by Bonsai guardrails");
    expect(r.stderr).toContain("spec.template.spec.containers[0].securityContext.privileged");
    expect(r.stderr).toContain("spec.template.spec.containers[0].securityContext.runAsUser");
    expect(c.kubectl(["get", "deployment", "bad", "-n", "frontend"]).code).not.toBe(0);
  });

  it("admits a bare Deployment whose pods then come up mutated and Running", async () => {
    expect(c.apply(bareDeployment("good", {})).code).toBe(0);
    const pods = await eventually(
      "deployment pods Running",
      () => json(["get", "pods", "-n", "frontend", "-l", "app=good"]).items,
      (items: { status: { phase: string }; spec: { securityContext: { runAsUser: number } } }[]) =>
        items.length === 1 && items[0].status.phase === "Running",
      40_000,
    );
    expect(pods[0].spec.securityContext.runAsUser).toBe(1000);
  });

  it("a mutated Pod also passes the built-in PodSecurity admission at enforce: restricted", () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "psa", namespace: "e2e-restricted" },
      spec: {
        containers: [{ name: "app", image: "nginx:1.27", resources: { limits: { cpu: "100m", memory: "64Mi" } } }],
      },
    };
    const r = c.apply(pod);
    // Nothing but the warn-mode hygiene advice (a bare pod has no probes): no PodSecurity warning, no other policy
    const other = r.stderr.split("\n").filter(line => line !== "" && !line.startsWith("Warning: [workload-hygiene/"));
    expect(other).toEqual([]);
    expect(r.code).toBe(0);
    // Control: in a namespace the module ignores, PodSecurity itself refuses the very same pod.
    createRestrictedNamespace(c, "flux-system");
    const unmutated = c.apply({ ...pod, metadata: { ...pod.metadata, namespace: "flux-system" } });
    expect(unmutated.code).not.toBe(0);
    expect(unmutated.stderr).toContain('violates PodSecurity "restricted:latest"');
  });

  it("admits NET_BIND_SERVICE, the one capability restricted allows, through the module and PodSecurity", () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "nbs", namespace: "e2e-restricted" },
      spec: {
        containers: [
          {
            name: "app",
            image: "nginx:1.27",
            resources: { limits: { cpu: "100m", memory: "64Mi" } },
            securityContext: { capabilities: { add: ["NET_BIND_SERVICE"] } },
          },
        ],
      },
    };
    expect(c.apply(pod).code).toBe(0);
  });

  it("the LimitRange defaults and the quota are enforced by the API server", () => {
    // compute-quota allows requests.cpu 4: one pod asking for 5 CPUs must be refused by ResourceQuota itself.
    const big = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "big", namespace: "frontend" },
      spec: {
        containers: [{ name: "app", image: "nginx:1.27", resources: { requests: { cpu: "5" }, limits: { cpu: "5" } } }],
      },
    };
    const r = c.apply(big);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/exceeded quota: compute-quota, requested: .*requests.cpu=5.*limited: .*requests.cpu=4/);
    const quota = json(["get", "resourcequota", "compute-quota", "-n", "frontend"]);
    expect(quota.status.hard).toEqual({
      "limits.cpu": "8",
      "limits.memory": "8Gi",
      persistentvolumeclaims: "5",
      "requests.cpu": "4",
      "requests.memory": "4Gi",
    });
  });

  it("answers a malformed AdmissionReview with an HTTP error and keeps serving", async () => {
    const url = json(["get", "validatingwebhookconfiguration", "pepr-bonsai-guardrails"]).webhooks[0].clientConfig
      .url as string;
    const post = (body: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          url,
          {
            method: "POST",
            rejectUnauthorized: false,
            headers: { "content-type": "application/json" },
            timeout: 5000,
            // A fresh connection per request: Node's global agent keeps sockets alive, and a socket the server
            // closes after an error answer could be handed to the next request ("socket hang up", seen under load).
            agent: false,
          },
          res => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", reject);
        req.on("timeout", () => req.destroy(new Error("timed out: the controller hung")));
        req.end(body);
      });
    expect(await post("{not json")).toBeGreaterThanOrEqual(400);
    expect(await post(JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" }))).toBe(500);
    expect(
      await post(JSON.stringify({ request: { uid: "x", operation: "CREATE", kind: { kind: "Pod", version: "v1" } } })),
    ).toBe(500);
    expect(c.dev!.alive).toBe(true);
    expect(c.kubectl(["run", "after", "-n", "frontend", "--image=nginx:1.27"]).code).toBe(0);
  });
});
