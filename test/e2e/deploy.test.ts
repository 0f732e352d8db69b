import { createHash, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MODULE_NAME, MODULE_NAMESPACE, uninstallModule } from "../../tools/controlplane/pepr-deploy";
import {
  eventually,
  E2eCluster,
  failOnDeadComponents,
  installCrds,
  kubectlJson,
  limitRangeReconciled,
  REPO,
  SETUP_TIMEOUT_MS,
  startDeployedCluster,
} from "./cluster";
import { auditEntries, ModuleIdentity, podsOf } from "./deployed";
import { AdmissionProbe } from "../../tools/controlplane/admission-probe";
import { expectSecureDefaults } from "../support/pods";

// The module as users install it (`npx pepr deploy --yes`), on the control plane in its own network namespace:
// webhooks called through the deployed Service, pods run from the built bundle by the local kubelet, every
// request of the module made with its own ServiceAccount's token (the API server's audit log says so).
let c: E2eCluster;
const SA = `system:serviceaccount:${MODULE_NAMESPACE}:${MODULE_NAME}`;
let identity: ModuleIdentity;

beforeAll(async () => {
  c = await startDeployedCluster();
  identity = new ModuleIdentity(c.cp.stateDir, SA);
  installCrds(c);
  expect(c.apply(governedNamespace("backend")).stderr).toBe("");
  // Not governed, so no Pod Security label: a privileged Pod reaches the module instead of being refused by the
  // API server's own PodSecurity check first.
  expect(c.kubectl(["create", "namespace", "sandbox"]).code).toBe(0);
  await limitRangeReconciled(c, "backend");
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await c?.stop();
});

afterEach(() => failOnDeadComponents(c));

const json = (args: string[]) => kubectlJson(c, args);
// The guardrails admit a governed namespace only with Pod Security "restricted" enforced (namespace-labels).
const governedNamespace = (name: string) => ({
  apiVersion: "v1",
  kind: "Namespace",
  metadata: { name, labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
});

describe("npx pepr deploy on the embedded plane", () => {
  it("points every webhook at the pepr-system Service, with the CA of the certificate the pods serve", () => {
    const tls = json(["get", "secret", `${MODULE_NAME}-tls`, "-n", MODULE_NAMESPACE]);
    const served = new X509Certificate(Buffer.from(tls.data["tls.crt"], "base64"));
    for (const kind of ["mutatingwebhookconfiguration", "validatingwebhookconfiguration"]) {
      const config = json(["get", kind, MODULE_NAME]);
      expect(config.webhooks.length).toBeGreaterThan(0);
      for (const w of config.webhooks) {
        expect(w.clientConfig.url).toBeUndefined();
        expect(w.clientConfig.service).toMatchObject({ name: MODULE_NAME, namespace: MODULE_NAMESPACE, port: 443 });
        const ca = new X509Certificate(Buffer.from(w.clientConfig.caBundle, "base64"));
        expect(served.checkIssued(ca) && served.verify(ca.publicKey)).toBe(true);
      }
    }
    expect(served.subjectAltName).toContain(`DNS:${MODULE_NAME}.${MODULE_NAMESPACE}.svc`);
  });

  it("sends a new Pod to one webhook call: Pod creation to the mutating webhook only, updates to the validating one", () => {
    type Rule = { resources: string[]; operations: string[] };
    const podRules = (kind: string) =>
      (json(["get", kind, MODULE_NAME]).webhooks as { rules: Rule[] }[]).flatMap(w =>
        w.rules.filter(r => r.resources.includes("pods")).map(r => r.operations),
      );
    const mutating = podRules("mutatingwebhookconfiguration");
    const validating = podRules("validatingwebhookconfiguration");
    expect(mutating.length).toBeGreaterThan(0);
    for (const ops of mutating) expect(ops).toEqual(["CREATE"]);
    expect(validating.length).toBeGreaterThan(0);
    for (const ops of validating) expect(ops).toEqual(["UPDATE"]);
  });

  it("runs 2 admission pods and 1 watcher from the bundle in dist/, Ready behind the Service's endpoints", () => {
    // The bundle `pepr deploy` built and put in the module Secret; the controller checks this hash on start.
    const hash = createHash("sha256")
      .update(readFileSync(join(REPO, "dist", `${MODULE_NAME}.js`)))
      .digest("hex");
    const pods = podsOf(c);
    expect(pods.map(p => p.controller).sort()).toEqual(["admission", "admission", "watcher"]);
    for (const p of pods) {
      expect(p).toMatchObject({ ready: true, serviceAccount: MODULE_NAME });
      expect(p.args).toEqual(["/app/node_modules/pepr/dist/controller.js", hash]);
    }
    const slices = json([
      "get",
      "endpointslices",
      "-n",
      MODULE_NAMESPACE,
      "-l",
      `kubernetes.io/service-name=${MODULE_NAME}`,
    ]);
    const addresses = slices.items.flatMap((s: { endpoints: { addresses: string[] }[] }) =>
      s.endpoints.flatMap(e => e.addresses),
    );
    expect(addresses.sort()).toEqual(
      pods
        .filter(p => p.controller === "admission")
        .map(p => p.ip)
        .sort(),
    );
  });

  it("denies a privileged Pod with Bonsai's message", () => {
    const r = c.kubectl(["run", "priv", "-n", "sandbox", "--image=nginx:1.27", "--privileged"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      `admission webhook "${MODULE_NAME}.pepr.dev" denied the request: Pod sandbox/priv is denied by Bonsai guardrails`,
    );
    expect(r.stderr).toContain("[pod-security-standards/privileged]");
  });

  it("denies a Deployment with a bad template and a NodePort Service", () => {
    const dep = c.apply({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "bad", namespace: "backend" },
      spec: {
        selector: { matchLabels: { app: "bad" } },
        template: {
          metadata: { labels: { app: "bad" } },
          spec: { containers: [{ name: "app", image: "nginx:1.27", securityContext: { runAsUser: 0 } }] },
        },
      },
    });
    expect(dep.code).not.toBe(0);
    expect(dep.stderr).toContain("Deployment backend/bad is denied by Bonsai guardrails");
    expect(dep.stderr).toContain("spec.template.spec.containers[0].securityContext.runAsUser");
    const svc = c.apply({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "np", namespace: "backend" },
      spec: { type: "NodePort", selector: { a: "b" }, ports: [{ port: 80 }] },
    });
    expect(svc.code).not.toBe(0);
    expect(svc.stderr).toContain("[service-type/no-nodeport]");
  });

  it("admits a bare Pod and returns it mutated with the documented defaults", () => {
    expect(c.kubectl(["run", "bare", "-n", "backend", "--image=nginx:1.27"]).code).toBe(0);
    const pod = json(["get", "pod", "bare", "-n", "backend"]);
    expectSecureDefaults(pod.spec);
  });

  it("restores a deleted ResourceQuota, writing it as the module's ServiceAccount", async () => {
    expect(c.kubectl(["delete", "resourcequota", "compute-quota", "-n", "backend"]).code).toBe(0);
    await eventually(
      "quota restored",
      () => c.kubectl(["get", "resourcequota", "compute-quota", "-n", "backend"]).code,
      code => code === 0,
      20_000,
    );
    const writes = identity.requests(e => e.objectRef?.resource === "resourcequotas" && e.verb !== "get");
    expect(writes.some(e => e.objectRef?.namespace === "backend" && (e.responseStatus?.code ?? 999) < 300)).toBe(true);
  });

  it("records the denial in its admission PolicyReport, written as the module's ServiceAccount", async () => {
    const report = await eventually(
      "admission report with the denial",
      () =>
        (
          json(["get", "policyreports.wgpolicyk8s.io", "-n", "sandbox"]).items as {
            metadata: { name: string };
            results: { rule: string; properties?: Record<string, string> }[];
          }[]
        ).find(r => r.metadata.name.startsWith("bonsai-admission-") && r.results.some(x => x.rule === "privileged")),
      r => !!r,
      20_000,
    );
    const admissionPods = podsOf(c)
      .filter(p => p.controller === "admission")
      .map(p => `bonsai-admission-${p.name}`);
    expect(admissionPods).toContain(report!.metadata.name);
    const writes = identity.requests(e => e.objectRef?.resource === "policyreports" && e.verb === "patch");
    expect(writes.some(e => e.objectRef?.name === report!.metadata.name && (e.responseStatus?.code ?? 999) < 300)).toBe(
      true,
    );
  });

  it("lets an Exemption take effect (read with the module's ServiceAccount)", async () => {
    const lb = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "ingress-nginx-controller", namespace: "ingress-nginx" },
      spec: { type: "LoadBalancer", selector: { app: "x" }, ports: [{ port: 80 }] },
    };
    expect(c.apply(governedNamespace("ingress-nginx")).stderr).toBe("");
    const refused = c.apply(lb);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("[service-type/loadbalancer]");
    expect(c.kubectl(["apply", "-k", join(REPO, "apps", "guardrails", "exemptions")]).code).toBe(0);
    await eventually(
      "exempted LoadBalancer admitted",
      () => c.apply(lb).code,
      code => code === 0,
      20_000,
    );
    expect(
      identity.requests(e => e.objectRef?.resource === "exemptions" && e.responseStatus?.code === 200).length,
    ).toBeGreaterThan(0);
  }, 40_000);

  it("makes every request with pod-bound tokens of its ServiceAccount, each naming one of its pods", () => {
    const all = auditEntries(c.cp.stateDir).filter(e =>
      e.user.username.startsWith(`system:serviceaccount:${MODULE_NAMESPACE}:`),
    );
    expect(all.length).toBeGreaterThan(10);
    const podNames = new Set(podsOf(c).map(p => p.name));
    // Nothing the module did so far was refused: every permission it used is granted.
    expect(all.filter(e => e.responseStatus?.code === 403).map(e => `${e.verb} ${e.objectRef?.resource}`)).toEqual([]);
    for (const e of all) {
      expect(e.user.username).toBe(SA);
      expect(podNames.has(e.user.extra?.["authentication.kubernetes.io/pod-name"]?.[0] ?? "")).toBe(true);
    }
  });
});

describe("the module's RBAC is what pepr.rbac says, and the tests notice a missing rule", () => {
  type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
  const quotaRule = (r: Rule) => r.resources.join(",") === "resourcequotas,limitranges";

  it("deploys every rule of package.json's pepr.rbac in the module's ClusterRole", () => {
    const rbac: Rule[] = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")).pepr.rbac;
    const role = json(["get", "clusterrole", MODULE_NAME]);
    // Pepr merges a rule with the one it derives for the same group and resources (their verbs united).
    for (const rule of rbac) {
      const deployed = (role.rules as Rule[]).find(
        r => r.apiGroups.join() === rule.apiGroups.join() && r.resources.join() === rule.resources.join(),
      );
      expect({ rule, verbs: deployed?.verbs }).toEqual({ rule, verbs: expect.arrayContaining(rule.verbs) });
    }
  });

  it("without the resourcequotas/limitranges rule, the reconciler's restore is refused (403) and the quota stays gone", async () => {
    const role = json(["get", "clusterrole", MODULE_NAME]);
    const without = { ...role, rules: role.rules.filter((r: Rule) => !quotaRule(r)) };
    expect(without.rules.length).toBe(role.rules.length - 1);
    expect(c.kubectl(["replace", "-f", "-"], JSON.stringify(without)).code).toBe(0);
    try {
      const since = Date.now();
      expect(c.kubectl(["delete", "resourcequota", "compute-quota", "-n", "backend"]).code).toBe(0);
      await eventually(
        "a refused restore in the audit log",
        () =>
          identity.requests(
            e =>
              e.objectRef?.resource === "resourcequotas" &&
              e.objectRef.namespace === "backend" &&
              e.responseStatus?.code === 403,
          ).length,
        n => n > 0,
        20_000,
      );
      expect(c.kubectl(["get", "resourcequota", "compute-quota", "-n", "backend"]).code).not.toBe(0);
      process.stderr.write(`[e2e] restore refused within ${((Date.now() - since) / 1000).toFixed(1)} s\n`);
    } finally {
      const back = { ...json(["get", "clusterrole", MODULE_NAME]), rules: role.rules };
      expect(c.kubectl(["replace", "-f", "-"], JSON.stringify(back)).code).toBe(0);
    }
  }, 60_000);
});

describe("removal", () => {
  it("removal deletes the webhooks before the controller: no request is refused on the way out", async () => {
    const probe = new AdmissionProbe(c.cp.api(), "backend").start();
    const { webhooksGoneAfterMs } = await uninstallModule(c.cp);
    await eventually(
      "module pods gone",
      () => podsOf(c).length,
      n => n === 0,
      30_000,
    );
    await probe.stop();
    process.stderr.write(
      `[e2e] removal: webhooks gone after ${webhooksGoneAfterMs} ms; ${probe.results.length} requests, ${probe.failures().length} refused\n`,
    );
    expect(probe.results.length).toBeGreaterThan(5);
    expect(probe.failures()).toEqual([]);
    expect(c.kubectl(["get", "validatingwebhookconfiguration", MODULE_NAME]).code).not.toBe(0);
  }, 90_000);
});
