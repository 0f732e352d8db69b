import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureSopsKeySecret, secretsInit } from "../../cli/up/secrets";
import { bootstrapKustomizationYaml, gotkSyncYaml } from "../../tools/flux/sync";
import { stringify } from "yaml";
import { SETUP_TIMEOUT_MS } from "./cluster";
import { describeLayers, GitOpsE2e, startGitOps } from "./gitops-harness";

// `git push` to deploy, on the real Flux controllers (source- and kustomize-controller v1.9.6 built from Go
// modules) against the embedded API server with the guardrails running: every push goes to a loopback git
// remote, Flux fetches and applies it, and the tests read what Flux reports.
let g: GitOpsE2e;
// Each test pushes and waits for Flux (a few seconds warm; up to pushAndSettle's own 150 s bound on a loaded machine).
jest.setTimeout(200_000);
const REPO = join(__dirname, "..", "..");
// The user's age key, outside the clone (as ~/.bonsai/age.key is outside the user's fork).
const keyFile = join(mkdtempSync(join(tmpdir(), "bonsai-age-")), "age.key");

beforeAll(async () => {
  g = await startGitOps();
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await g?.stop();
});

const kubectl = (...args: string[]) => g.c.cp.kubectl(args);
const file = (path: string) => join(g.clone, path);
const edit = (path: string, change: (text: string) => string) =>
  writeFileSync(file(path), change(readFileSync(file(path), "utf8")));
const addResource = (kustomization: string, resource: string) =>
  edit(kustomization, t => t.replace(/^resources:\n/m, `resources:\n  - ${resource}\n`));
const dropResource = (kustomization: string, resource: string) =>
  edit(kustomization, t => t.replace(`  - ${resource}\n`, ""));

const layer = (r: Awaited<ReturnType<GitOpsE2e["pushAndSettle"]>>, name: string) => r.layers.find(l => l.name === name);
const expectReady = (r: Awaited<ReturnType<GitOpsE2e["pushAndSettle"]>>, names: string[]) => {
  const notReady = names.filter(n => layer(r, n)?.ready !== "True");
  if (notReady.length) throw new Error(`not Ready: ${notReady.join(", ")}\n${describeLayers(r)}\n${g.diagnostics()}`);
};

const configMap = (name: string, data: Record<string, string>) =>
  stringify({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: "monitoring", labels: { "app.kubernetes.io/name": name } },
    data,
  });

describe("git push, reconciled by the real Flux controllers", () => {
  it("reconciles every layer of clusters/local to Ready from the pushed commit", async () => {
    const r = await g.pushAndSettle("initial");
    process.stderr.write(`[e2e] first reconcile of every layer: ${r.seconds.toFixed(1)} s\n`);
    expectReady(r, ["flux-system", ...g.layers]);
    for (const l of r.layers) expect(l.appliedRevision).toBe(`main@sha1:${r.pushed.commit}`);
    // Flux applied it: its labels are on the objects.
    const pg = JSON.parse(kubectl("get", "statefulset", "postgresql", "-n", "infra", "-o", "json").stdout);
    expect(pg.metadata.labels["kustomize.toolkit.fluxcd.io/name"]).toBe("infra");
  });

  it("makes a pushed change live: replicas and a new ConfigMap", async () => {
    edit("apps/infra/pgbouncer/deployment.yaml", t => t.replace(/^ {2}replicas: 1$/m, "  replicas: 2"));
    writeFileSync(file("apps/monitoring/e2e-settings.yaml"), configMap("e2e-settings", { level: "debug" }));
    addResource("apps/monitoring/kustomization.yaml", "e2e-settings.yaml");
    const r = await g.pushAndSettle("scale pgbouncer, add a ConfigMap");
    process.stderr.write(`[e2e] push-to-Ready (change): ${r.seconds.toFixed(1)} s\n`);
    expectReady(r, ["infra", "monitoring"]);
    expect(kubectl("get", "deployment", "pgbouncer", "-n", "infra", "-o", "jsonpath={.spec.replicas}").stdout).toBe(
      "2",
    );
    expect(kubectl("get", "configmap", "e2e-settings", "-n", "monitoring", "-o", "jsonpath={.data.level}").stdout).toBe(
      "debug",
    );
  });

  it("prunes the object of a deleted file", async () => {
    rmSync(file("apps/monitoring/e2e-settings.yaml"));
    dropResource("apps/monitoring/kustomization.yaml", "e2e-settings.yaml");
    const r = await g.pushAndSettle("drop the ConfigMap");
    expectReady(r, ["monitoring"]);
    expect(kubectl("get", "configmap", "e2e-settings", "-n", "monitoring").stderr).toMatch(/NotFound/);
  });

  it("leaves a layer with a manifest the guardrails deny not Ready, with Bonsai's message; the others stay Ready", async () => {
    const privileged = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "e2e-privileged", namespace: "monitoring", labels: { "app.kubernetes.io/name": "e2e" } },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: "e2e" } },
        template: {
          metadata: { labels: { app: "e2e" } },
          spec: { containers: [{ name: "c", image: "nginx:1.27", securityContext: { privileged: true } }] },
        },
      },
    };
    writeFileSync(file("apps/monitoring/e2e-privileged.yaml"), stringify(privileged));
    addResource("apps/monitoring/kustomization.yaml", "e2e-privileged.yaml");
    const r = await g.pushAndSettle("a privileged Deployment");
    const monitoring = layer(r, "monitoring")!;
    expect(monitoring.ready).toBe("False");
    expect(monitoring.message).toMatch(/Deployment monitoring\/e2e-privileged is denied by Bonsai guardrails/);
    expect(monitoring.message).toMatch(/privileged/);
    expectReady(
      r,
      g.layers.filter(l => l !== "monitoring"),
    );
    // Nothing already running was deleted by the failed apply.
    expect(kubectl("get", "statefulset", "loki", "-n", "monitoring").code).toBe(0);
    // The denial is in the admission PolicyReport of the namespace.
    let found = false;
    for (let i = 0; i < 40 && !found; i++) {
      const reports = JSON.parse(
        kubectl("get", "policyreports.wgpolicyk8s.io", "-n", "monitoring", "-o", "json").stdout || '{"items":[]}',
      );
      found = reports.items.some(
        (rep: {
          metadata: { name: string };
          results?: { result: string; resources?: { name: string }[]; properties?: Record<string, string> }[];
        }) =>
          rep.metadata.name.startsWith("bonsai-admission-") &&
          (rep.results ?? []).some(
            x =>
              x.result === "fail" &&
              x.properties?.admission === "denied" &&
              x.resources?.some(res => res.name === "e2e-privileged"),
          ),
      );
      if (!found) await new Promise(res => setTimeout(res, 500));
    }
    expect(found).toBe(true);
  });

  it("heals with a revert push", async () => {
    g.git("revert", "--no-edit", "HEAD");
    const r = await g.pushAndSettle("revert");
    expectReady(r, ["monitoring"]);
    expect(kubectl("get", "deployment", "e2e-privileged", "-n", "monitoring").stderr).toMatch(/NotFound/);
  });

  it("picks up a change to the layer definitions in clusters/local (the entry point syncs itself)", async () => {
    mkdirSync(file("apps/e2e-extra"), { recursive: true });
    writeFileSync(file("apps/e2e-extra/configmap.yaml"), configMap("e2e-extra", { from: "a new layer" }));
    writeFileSync(file("apps/e2e-extra/kustomization.yaml"), "resources:\n  - configmap.yaml\n");
    const admin = readFileSync(file("clusters/local/layer-admin.yaml"), "utf8");
    writeFileSync(
      file("clusters/local/layer-e2e-extra.yaml"),
      admin.replace("name: admin", "name: e2e-extra").replace("path: ./apps/admin", "path: ./apps/e2e-extra"),
    );
    edit("clusters/local/layer-admin.yaml", t => t.replace(/^ {2}interval: .*$/m, "  interval: 7m"));
    g.layers.push("e2e-extra");
    const r = await g.pushAndSettle("a new layer, and a changed one");
    expectReady(r, ["flux-system", "e2e-extra", "admin"]);
    expect(kubectl("get", "configmap", "e2e-extra", "-n", "monitoring", "-o", "jsonpath={.data.from}").stdout).toBe(
      "a new layer",
    );
    expect(
      kubectl("get", "kustomization", "admin", "-n", "flux-system", "-o", "jsonpath={.spec.interval}").stdout,
    ).toBe("7m");
  });
});

describe("flux bootstrap's layout", () => {
  it("reconciles a tree with what `flux bootstrap --path=clusters/local` commits: flux-system/ syncs itself", async () => {
    // What bootstrap writes (flux2 pkg/bootstrap): gotk-sync.yaml, the kustomization.yaml it generates, and
    // gotk-components.yaml — here only its flux-system Namespace: the controllers already run as processes.
    const dir = file("clusters/local/flux-system");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "gotk-components.yaml"),
      stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "flux-system" } }),
    );
    writeFileSync(
      join(dir, "gotk-sync.yaml"),
      gotkSyncYaml({ url: g.remote.url, path: "clusters/local", interval: "1m0s" }),
    );
    writeFileSync(join(dir, "kustomization.yaml"), bootstrapKustomizationYaml());
    const r = await g.pushAndSettle("flux bootstrap's files");
    expectReady(r, ["flux-system", ...g.layers]);
    const inventory = JSON.parse(
      kubectl("get", "kustomization", "flux-system", "-n", "flux-system", "-o", "json").stdout,
    ).status.inventory.entries.map((e: { id: string }) => e.id);
    expect(inventory).toEqual(
      expect.arrayContaining([
        "flux-system_flux-system_source.toolkit.fluxcd.io_GitRepository",
        "flux-system_flux-system_kustomize.toolkit.fluxcd.io_Kustomization",
        "flux-system_admin_kustomize.toolkit.fluxcd.io_Kustomization",
      ]),
    );
  });
});

describe("bad input pushed to git: the layer is named with the controller's message, nothing running is deleted", () => {
  it("a YAML syntax error", async () => {
    writeFileSync(file("apps/admin/broken.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n");
    addResource("apps/admin/kustomization.yaml", "broken.yaml");
    const r = await g.pushAndSettle("broken YAML");
    const admin = layer(r, "admin")!;
    expect(admin.ready).toBe("False");
    expect(admin.message).toMatch(/broken\.yaml|yaml/i);
    expect(kubectl("get", "deployment", "pgadmin", "-n", "infra").code).toBe(0);
    expectReady(r, ["infra", "apps", "monitoring"]);
  });

  it("a kustomization that does not build", async () => {
    g.git("revert", "--no-edit", "HEAD");
    addResource("apps/admin/kustomization.yaml", "missing-folder");
    const r = await g.pushAndSettle("a missing resource");
    const admin = layer(r, "admin")!;
    expect(admin.ready).toBe("False");
    expect(admin.reason).toBe("BuildFailed");
    expect(admin.message).toMatch(/missing-folder/);
    expect(kubectl("get", "deployment", "kafka-ui", "-n", "infra").code).toBe(0);
  });

  it("a layer whose decryption key is missing (bonsai secrets init, pushed before the sops-age Secret exists)", async () => {
    g.git("revert", "--no-edit", "HEAD");
    process.env.BONSAI_AGE_KEY_FILE = keyFile;
    const init = secretsInit(g.clone);
    expect(init.keyCreated).toBe(true);
    expect(init.written).toEqual(expect.arrayContaining(["apps/secrets/monitoring-grafana-admin.sops.yaml"]));
    const r = await g.pushAndSettle("bonsai secrets init");
    const secrets = layer(r, "secrets")!;
    expect(secrets.ready).toBe("False");
    expect(secrets.message).toMatch(/sops-age/);
    // The stand-in-free cluster keeps running what it had: no other layer failed for it.
    expectReady(r, ["infra", "monitoring", "apps", "admin"]);
  });
});

describe("secrets: SOPS + age, decrypted by the real kustomize-controller", () => {
  it("decrypts the pushed secrets once the sops-age Secret exists; git holds no plaintext and no private key", async () => {
    expect(ensureSopsKeySecret((args, input) => g.c.cp.kubectl(args, input), keyFile)).toBe("created");
    // A new commit (empty) is the git way to have Flux try again now rather than at its retry interval.
    g.git("commit", "--quiet", "--allow-empty", "-m", "reconcile with the key");
    const r = await g.pushAndSettle("reconcile with the key");
    expectReady(r, ["secrets", "infra", "monitoring"]);
    const show = spawnSync(process.execPath, [join(REPO, "bin", "bonsai.js"), "secrets", "show", "grafana-admin"], {
      cwd: g.clone,
      encoding: "utf8",
      env: { ...process.env, BONSAI_AGE_KEY_FILE: keyFile },
    });
    expect(show.status).toBe(0);
    const password = show.stdout.match(/^password: (.+)$/m)![1];
    expect(password.length).toBeGreaterThanOrEqual(32);
    const live = kubectl("get", "secret", "grafana-admin", "-n", "monitoring", "-o", "jsonpath={.data.password}");
    expect(Buffer.from(live.stdout, "base64").toString()).toBe(password);
    const tracked = g.git("ls-files", "-z").split("\0").filter(Boolean);
    const committed = tracked.map(f => readFileSync(file(f), "latin1")).join("\n");
    expect(committed).not.toContain(password);
    // The private key (and any age identity) is in the key file only.
    const identity = readFileSync(keyFile, "utf8").match(/AGE-SECRET-KEY-1[0-9A-Z]+/)![0];
    expect(committed).not.toContain(identity);
    expect(committed).not.toMatch(/AGE-SECRET-KEY-1[0-9A-Z]{50,}/);
    expect(keyFile.startsWith(g.clone)).toBe(false);
  });
});

describe("bad input, continued", () => {
  it("a GitRepository that cannot be reached", async () => {
    writeFileSync(file("apps/admin/unreachable-marker.txt"), "a commit Flux cannot fetch\n");
    const patched = kubectl(
      "patch",
      "gitrepository",
      "flux-system",
      "-n",
      "flux-system",
      "--type=merge",
      "-p",
      '{"spec":{"url":"http://127.0.0.1:9/nowhere.git"}}',
    );
    expect(patched.code).toBe(0);
    const r = await g.pushAndSettle("unreachable");
    expect(r.ok).toBe(false);
    expect(r.source.ready).toBe("False");
    expect(r.source.message).toMatch(/127\.0\.0\.1:9|connection refused/i);
    // The layers keep what they applied last; nothing was deleted.
    expect(kubectl("get", "statefulset", "postgresql", "-n", "infra").code).toBe(0);
  });
});
