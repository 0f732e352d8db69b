import { join } from "node:path";
import { eventually, E2eCluster, failOnDeadComponents, REPO, SETUP_TIMEOUT_MS, startCluster } from "./cluster";

// Guardrails beyond pod security, on a real API server: namespace reconciliation, network, services,
// exemptions and modes. The module runs with service-type in warn and image-reference in audit mode
// (BONSAI_MODES, as `pepr.env` would set it) so that all three modes are exercised in one run.
let c: E2eCluster;

beforeAll(async () => {
  c = await startCluster({ module: true, env: { BONSAI_MODES: '{"image-reference":"audit","resource-caps":"warn"}' } });
  const crd = c.kubectl(["apply", "-k", join(REPO, "apps", "crds", "exemptions")]);
  expect(crd.stderr).toBe("");
  c.kubectl(["wait", "--for=condition=Established", "crd/exemptions.policy.bonsai.dev", "--timeout=60s"]);
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await c?.stop();
});

afterEach(() => failOnDeadComponents(c));

const get = (args: string[]) => c.kubectl(["get", ...args, "-o", "json"]);
const managed = [
  "resourcequota/compute-quota",
  "limitrange/default-limits",
  "networkpolicy/default-deny",
  "networkpolicy/allow-dns-egress",
];

describe("app namespaces", () => {
  it("get their quota, LimitRange, default-deny and DNS egress within seconds of appearing", async () => {
    const started = Date.now();
    expect(c.kubectl(["create", "namespace", "backend"]).code).toBe(0);
    for (const obj of managed)
      await eventually(
        `${obj} in backend`,
        () => get([obj, "-n", "backend"]).code,
        code => code === 0,
        15_000,
      );
    const seconds = (Date.now() - started) / 1000;
    expect(seconds).toBeLessThan(15);
    process.stderr.write(`[e2e] backend guardrails present after ${seconds.toFixed(1)} s\n`);
    const quota = JSON.parse(get(["resourcequota/compute-quota", "-n", "backend"]).stdout);
    expect(quota.spec.hard).toEqual({
      "limits.cpu": "8",
      "limits.memory": "8Gi",
      persistentvolumeclaims: "5",
      "requests.cpu": "4",
      "requests.memory": "4Gi",
    });
  });

  it("get a deleted ResourceQuota and LimitRange back", async () => {
    expect(c.kubectl(["delete", "resourcequota", "compute-quota", "-n", "backend"]).code).toBe(0);
    expect(c.kubectl(["delete", "limitrange", "default-limits", "-n", "backend"]).code).toBe(0);
    await eventually(
      "quota restored",
      () => get(["resourcequota/compute-quota", "-n", "backend"]).code,
      code => code === 0,
      15_000,
    );
    await eventually(
      "limit range restored",
      () => get(["limitrange/default-limits", "-n", "backend"]).code,
      code => code === 0,
      15_000,
    );
  });

  it("undo drift: a hand-edited quota is put back to the platform's values", async () => {
    expect(
      c.kubectl([
        "patch",
        "resourcequota",
        "compute-quota",
        "-n",
        "backend",
        "--type=merge",
        "-p",
        '{"spec":{"hard":{"requests.cpu":"2"}}}',
      ]).code,
    ).toBe(0);
    await eventually(
      "quota drift undone",
      () => JSON.parse(get(["resourcequota/compute-quota", "-n", "backend"]).stdout).spec.hard["requests.cpu"],
      v => v === "4",
      15_000,
    );
  });

  it("refuse deleting the default-deny NetworkPolicy", () => {
    const r = c.kubectl(["delete", "networkpolicy", "default-deny", "-n", "backend"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      "NetworkPolicy backend/default-deny is denied deletion by Bonsai guardrails [network-flows/default-deny]",
    );
  });

  it("refuse a NetworkPolicy that opens the namespace beyond its flows, and admit one within them", () => {
    const netpol = (name: string, ingress: unknown[]) => ({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name, namespace: "backend" },
      spec: { podSelector: {}, policyTypes: ["Ingress"], ingress },
    });
    const open = c.apply(netpol("too-open", [{ from: [{ namespaceSelector: {} }] }]));
    expect(open.code).not.toBe(0);
    expect(open.stderr).toContain(
      "[network-flows/ingress-sources] spec.ingress[0].from[0].namespaceSelector is {} (every namespace)",
    );
    const ok = c.apply(
      netpol("from-frontend", [
        { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "frontend" } } }] },
      ]),
    );
    expect(ok.stderr).toBe("");
  });

  it("refuse a quota beyond the caps in warn mode with a warning only", () => {
    const r = c.apply({
      apiVersion: "v1",
      kind: "ResourceQuota",
      metadata: { name: "bigger", namespace: "backend" },
      spec: { hard: { "limits.memory": "64Gi" } },
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'Warning: [resource-caps/quota-within-caps] spec.hard["limits.memory"] is "64Gi"; allowed: at most 8Gi',
    );
  });
});

describe("services and exemptions", () => {
  const lb = (namespace: string, name: string) => ({
    apiVersion: "v1",
    kind: "Service",
    metadata: { name, namespace },
    spec: { type: "LoadBalancer", selector: { app: name }, ports: [{ port: 80 }] },
  });

  beforeAll(() => {
    expect(c.kubectl(["create", "namespace", "ingress-nginx"]).code).toBe(0);
  });

  it("refuse a LoadBalancer Service without an exemption", () => {
    const r = c.apply(lb("ingress-nginx", "ingress-nginx-controller"));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("[service-type/loadbalancer]");
  });

  it("refuse an invalid Exemption with the field path and the fix", () => {
    const r = c.apply({
      apiVersion: "policy.bonsai.dev/v1alpha1",
      kind: "Exemption",
      metadata: { name: "broken" },
      spec: {
        reason: "A reason long enough to pass the schema.",
        policies: [{ policy: "service-typo" }],
        match: { namespaces: ["ingress-nginx"], names: ["(unclosed"] },
      },
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.policies[0].policy "service-typo" is not a Bonsai policy');
    expect(r.stderr).toContain('spec.match.names[0] "(unclosed" is not a valid regular expression');
  });

  it("admit the LoadBalancer once the repository's exemption is applied, and only the one it names", async () => {
    expect(c.kubectl(["apply", "-k", join(REPO, "apps", "guardrails", "exemptions")]).code).toBe(0);
    // Admission reads exemptions through a short-lived cache: allow it to refresh.
    await eventually(
      "exempted LoadBalancer admitted",
      () => c.apply(lb("ingress-nginx", "ingress-nginx-controller")).code,
      code => code === 0,
      20_000,
    );
    expect(c.apply(lb("ingress-nginx", "another-lb")).code).not.toBe(0);
    expect(c.apply(lb("backend", "ingress-nginx-controller")).code).not.toBe(0);
  });

  it("refuse NodePort and ExternalName Services", () => {
    const svc = (name: string, spec: Record<string, unknown>) => ({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name, namespace: "backend" },
      spec,
    });
    expect(c.apply(svc("np", { type: "NodePort", selector: { a: "b" }, ports: [{ port: 80 }] })).stderr).toContain(
      "[service-type/no-nodeport]",
    );
    expect(c.apply(svc("ext", { type: "ExternalName", externalName: "example.com" })).stderr).toContain(
      "[service-type/no-externalname]",
    );
  });
});

describe("modes", () => {
  it("audit: a pod with a :latest image is admitted without an image warning (recorded, not blocked)", () => {
    const r = c.kubectl(["run", "latest", "-n", "backend", "--image=nginx:latest"]);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("[image-reference/");
    // the same bare pod meets a warn-mode policy in the same answer: warnings, and still admitted
    expect(r.stderr).toContain("Warning: [workload-hygiene/liveness-probe]");
  });

  it("enforce: the same module still denies what an enforce policy forbids", () => {
    const r = c.kubectl([
      "run",
      "root",
      "-n",
      "backend",
      "--image=nginx:1.27",
      "--overrides",
      JSON.stringify({ spec: { securityContext: { runAsUser: 0 } } }),
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("[pod-security-standards/runAsUser]");
  });
});
