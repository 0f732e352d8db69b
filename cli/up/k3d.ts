import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { clusterLayers } from "./layers";
import { REPO_ROOT } from "./state";

const say = (m: string) => process.stderr.write(`bonsai up: ${m}\n`);

function has(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: "ignore", timeout: 15_000 });
  return r.status === 0;
}

/** k3d needs a running Docker engine, not just the client. */
export function k3dAvailable(): boolean {
  return has("k3d", ["version"]) && has("docker", ["info"]);
}

function run(cmd: string, args: string[]): void {
  say(`$ ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: REPO_ROOT });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status})`);
}

/**
 * The platform on k3d (the Mac Mini path): the cluster from clusters/local/k3d.yaml, Flux if its CLI is
 * present (otherwise the layers applied with kubectl in Flux's order), then the guardrails with pepr deploy.
 */
export function upK3d(): void {
  const config = join(REPO_ROOT, "clusters", "local", "k3d.yaml");
  // k3d.yaml mounts this host folder as local-path storage; k3d does not create it.
  mkdirSync(join(homedir(), ".bonsai", "storage"), { recursive: true });
  if (!has("k3d", ["cluster", "get", "bonsai"])) run("k3d", ["cluster", "create", "--config", config]);
  else say("k3d cluster bonsai exists; reusing it");
  if (has("flux", ["--version"])) {
    run("flux", ["install"]);
    run("kubectl", ["apply", "-k", join(REPO_ROOT, "clusters", "local")]);
  } else {
    say("no flux CLI: applying the layers of clusters/local with kubectl, in their dependsOn order");
    for (const layer of clusterLayers(REPO_ROOT))
      run("kubectl", ["apply", "--server-side", "-k", join(REPO_ROOT, layer.path)]);
  }
  run("npx", ["pepr", "deploy", "--yes"]);
  run("kubectl", ["wait", "--for=condition=Available", "deployment", "--all", "--all-namespaces", "--timeout=600s"]);
}
