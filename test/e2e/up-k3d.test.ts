import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { E2eCluster, SETUP_TIMEOUT_MS, startCluster } from "./cluster";
import { ensureKubeBinaries } from "../../tools/controlplane/binaries";
import { cacheRoot } from "../../tools/cache";

// The k3d branch of `bonsai up` — the Mac Mini path — without Docker: k3d and docker are stand-ins that record
// their arguments and succeed, `npx pepr deploy` is recorded, and the "k3d cluster" is the embedded API server
// behind a kubeconfig context named k3d-bonsai. Everything bonsai up applies goes to a real kube-apiserver.
const REPO = join(__dirname, "..", "..");
const BIN = join(REPO, "bin", "bonsai.js");
const work = mkdtempSync(join(tmpdir(), "bonsai-k3d-"));
const fakeBin = join(work, "bin");
const home = join(work, "home");
const calls = join(work, "calls.log");

function script(name: string, body: string) {
  const file = join(fakeBin, name);
  writeFileSync(file, `#!/bin/sh\necho "${name} $*" >> "${calls}"\n${body}\n`);
  chmodSync(file, 0o755);
}

let c: E2eCluster;
let up: ReturnType<typeof spawnSync>;
const bonsai = (args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], {
    encoding: "utf8",
    cwd: REPO,
    timeout: 15 * 60_000,
    env: {
      ...process.env,
      PATH: `${fakeBin}:${process.env.PATH}`,
      ...caches,
      HOME: home,
      // helm (installing our chart's HelmReleases) reads the k3d-bonsai context from here, as kubectl does on a Mac.
      KUBECONFIG: join(work, "kubeconfig"),
      BONSAI_STATE_DIR: join(work, "state"),
      // No local-path provisioner here, so Grafana's claim stays Pending: do not wait long for it.
      BONSAI_WAIT_SECONDS: "5",
    },
  });
const kubectl = (args: string[]) => c.cp.kubectl(args);

// HOME is a scratch folder (k3d's storage folder is created under it); the Go and Bonsai caches stay where they
// are, or every run would download and build kustomize, helm and controller-gen again under the new HOME.
const goEnv = (name: string) => spawnSync("go", ["env", name], { encoding: "utf8" }).stdout.trim();
const caches = {
  BONSAI_CACHE: cacheRoot(),
  GOPATH: goEnv("GOPATH"),
  GOCACHE: goEnv("GOCACHE"),
  GOMODCACHE: goEnv("GOMODCACHE"),
};

beforeAll(async () => {
  c = await startCluster({ module: false });
  spawnSync("mkdir", ["-p", fakeBin, home]);
  const kubeconfig = join(work, "kubeconfig");
  writeFileSync(kubeconfig, readFileSync(c.cp.kubeconfig, "utf8"));
  const real = ensureKubeBinaries().kubectl;
  const rename = spawnSync(real, [`--kubeconfig=${kubeconfig}`, "config", "rename-context", "bonsai", "k3d-bonsai"]);
  if (rename.status !== 0) throw new Error(String(rename.stderr));
  script("k3d", 'case "$1 $2" in "cluster get") exit 1;; esac\nexit 0');
  script("docker", "exit 0");
  script("flux", "exit 1"); // no Flux CLI: the kubectl fallback
  script("npx", "exit 0");
  script("kubectl", `exec "${real}" --kubeconfig="${kubeconfig}" "$@"`);
  up = bonsai(["up"]);
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await c?.stop();
});

describe("bonsai up on k3d (Docker and k3d stood in for)", () => {
  it("creates the cluster from clusters/local/k3d.yaml and its storage folder, then deploys the guardrails", () => {
    if (up.status !== 0)
      throw new Error(`bonsai up exited ${up.status}\n${up.stdout}\n${String(up.stderr).slice(-4000)}`);
    const log = readFileSync(calls, "utf8");
    expect(log).toContain(`k3d cluster create --config ${join(REPO, "clusters", "local", "k3d.yaml")}`);
    expect(log).toContain("kubectl config use-context k3d-bonsai");
    expect(log).toContain("npx pepr deploy --yes");
    expect(existsSync(join(home, ".bonsai", "storage"))).toBe(true);
    expect(up.stdout).toContain("The platform is up on k3d (kubectl context k3d-bonsai)");
  });

  it("without the Flux CLI applies every layer as Flux would, our chart's HelmReleases rendered", () => {
    for (const layer of ["crds", "namespaces", "ingress", "infra", "monitoring", "apps"])
      expect(up.stdout).toMatch(new RegExp(`layer ${layer}\\s+\\d+ objects, 0 refused`));
    expect(kubectl(["get", "helmrelease", "frontend", "-n", "frontend"]).code).toBe(0);
    for (const [ns, name] of [
      ["frontend", "frontend"],
      ["backend", "backend"],
    ])
      expect(kubectl(["get", "deployment", name, "-n", ns]).code).toBe(0);
    expect(kubectl(["get", "statefulset", "postgresql", "-n", "infra"]).code).toBe(0);
  });

  it("leaves what Flux would adopt: kustomize-controller's field manager and labels, Helm releases of our chart", () => {
    const pg = JSON.parse(
      kubectl(["get", "statefulset", "postgresql", "-n", "infra", "-o", "json", "--show-managed-fields"]).stdout,
    );
    expect(pg.metadata.labels["kustomize.toolkit.fluxcd.io/name"]).toBe("infra");
    expect(pg.metadata.labels["kustomize.toolkit.fluxcd.io/namespace"]).toBe("flux-system");
    expect(pg.metadata.managedFields.map((f: { manager: string }) => f.manager)).toContain("kustomize-controller");
    // Installed by Helm as helm-controller would: its release in storage, its origin labels on the objects.
    const fe = JSON.parse(kubectl(["get", "deployment", "frontend", "-n", "frontend", "-o", "json"]).stdout);
    expect(fe.metadata.labels["helm.toolkit.fluxcd.io/name"]).toBe("frontend");
    expect(fe.metadata.labels["helm.toolkit.fluxcd.io/namespace"]).toBe("frontend");
    expect(fe.metadata.annotations["meta.helm.sh/release-name"]).toBe("frontend");
    expect(kubectl(["get", "secret", "-n", "frontend", "-l", "owner=helm,name=frontend", "-o", "name"]).stdout).toMatch(
      /sh\.helm\.release\.v1\.frontend\.v\d+/,
    );
  });

  it("stands in random Secrets for the SOPS-encrypted ones, labelled, and names them", () => {
    const secrets = ["infra/postgresql-credentials", "infra/pgadmin-credentials", "monitoring/grafana-admin"];
    const values = secrets.map(id => {
      const [ns, name] = id.split("/");
      const s = JSON.parse(kubectl(["get", "secret", name, "-n", ns, "-o", "json"]).stdout);
      expect(s.metadata.labels["app.kubernetes.io/managed-by"]).toBe("bonsai-up");
      return Buffer.from(s.data.password, "base64").toString();
    });
    expect(new Set(values).size).toBe(3);
    for (const v of values) {
      expect(v.length).toBeGreaterThanOrEqual(32);
      expect(up.stdout).not.toContain(v);
      expect(String(up.stderr)).not.toContain(v);
    }
    expect(up.stdout).toContain("random stand-in Secrets created in the cluster (not on disk)");
  });

  it("prints the URLs and the guardrails' verdicts on what runs", () => {
    expect(up.stdout).toContain("http://app.local:8080");
    expect(up.stdout).toMatch(/guardrails on what is running: \d+ pass, 0 fail, 0 warn, 0 error, \d+ skip/);
    // what did not become ready in time is said, not hidden
    expect(up.stdout).toMatch(/note: not everything was ready within 5s: .*deployment/i);
  });

  it("builds and pushes the reference apps' images under the names the HelmReleases deploy, and gives the backend the database's password", () => {
    const log = readFileSync(calls, "utf8");
    for (const app of ["backend", "frontend"]) {
      const image = `localhost:5111/bonsai/${app}:0.1.0`;
      expect(log).toContain(`docker build --file reference-apps/${app}/Dockerfile --tag ${image} .`);
      expect(log).toContain(`docker push ${image}`);
      const deployed = kubectl([
        "get",
        "deployment",
        app,
        "-n",
        app,
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
      ]);
      expect(deployed.stdout).toBe(image);
    }
    const password = (ns: string, name: string) =>
      kubectl(["get", "secret", name, "-n", ns, "-o", "jsonpath={.data.password}"]).stdout;
    expect(password("backend", "backend-database")).not.toBe("");
    expect(password("backend", "backend-database")).toBe(password("infra", "postgresql-credentials"));
  });

  it("runs again on the existing cluster without recreating it or its Secrets", () => {
    const before = kubectl(["get", "secret", "grafana-admin", "-n", "monitoring", "-o", "jsonpath={.data.password}"]);
    writeFileSync(calls, "");
    spawnSync("sh", ["-c", `sed -i 's/"cluster get") exit 1/"cluster get") exit 0/' "${join(fakeBin, "k3d")}"`]);
    const again = bonsai(["up"]);
    expect(again.status).toBe(0);
    expect(readFileSync(calls, "utf8")).not.toContain("k3d cluster create");
    expect(String(again.stderr)).toContain("k3d cluster bonsai exists; reusing it");
    const after = kubectl(["get", "secret", "grafana-admin", "-n", "monitoring", "-o", "jsonpath={.data.password}"]);
    expect(after.stdout).toBe(before.stdout);
  });

  it("bonsai down deletes the k3d cluster", () => {
    const down = bonsai(["down"]);
    expect(down.status).toBe(0);
    expect(readFileSync(calls, "utf8")).toContain("k3d cluster delete bonsai");
  });
});
