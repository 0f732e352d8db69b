import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheRoot, goInstallCached, goModDownload } from "./cache";

// The newest Flux controller releases whose go.mod the installed Go (1.26) accepts.
export const SOURCE_CONTROLLER = "v1.9.6";
export const KUSTOMIZE_CONTROLLER = "v1.9.6";
export const HELM_CONTROLLER_API = "v1.6.5";
export const CONTROLLER_TOOLS = "v0.23.0";

/**
 * The Flux CRDs Bonsai's tree uses (GitRepository & co, Kustomization, HelmRelease), from the Flux
 * controllers' Go modules: source- and kustomize-controller ship theirs in config/crd/bases/; helm-controller's
 * main module is not served by the proxy, so its CRD is generated from its API module with controller-gen,
 * exactly as its own Makefile does. Cached under ~/.cache/bonsai/flux-crds-<versions>/.
 */
export function fluxCrdFiles(): string[] {
  const dir = join(
    cacheRoot(),
    `flux-crds-source-${SOURCE_CONTROLLER}-kustomize-${KUSTOMIZE_CONTROLLER}-helm-${HELM_CONTROLLER_API}`,
  );
  const marker = join(dir, ".complete");
  if (!existsSync(marker)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const [module, version] of [
      ["github.com/fluxcd/source-controller", SOURCE_CONTROLLER],
      ["github.com/fluxcd/kustomize-controller", KUSTOMIZE_CONTROLLER],
    ]) {
      const bases = join(goModDownload(module, version), "config", "crd", "bases");
      for (const f of readdirSync(bases).filter(n => n.endsWith(".yaml"))) copyFileSync(join(bases, f), join(dir, f));
    }
    generateHelmReleaseCrd(dir);
    writeFileSync(marker, "ok\n");
  }
  return readdirSync(dir)
    .filter(n => n.endsWith(".yaml"))
    .sort()
    .map(n => join(dir, n));
}

function generateHelmReleaseCrd(outDir: string): void {
  const controllerGen = goInstallCached({
    name: "controller-gen",
    version: CONTROLLER_TOOLS,
    pkg: "sigs.k8s.io/controller-tools/cmd/controller-gen",
  });
  const work = join(outDir, ".helm-api-module");
  mkdirSync(work, { recursive: true });
  writeFileSync(
    join(work, "go.mod"),
    `module bonsai.local/fluxcrds\n\ngo 1.26.0\n\nrequire github.com/fluxcd/helm-controller/api ${HELM_CONTROLLER_API}\n`,
  );
  writeFileSync(
    join(work, "tools.go"),
    `//go:build tools\n\npackage tools\n\nimport _ "github.com/fluxcd/helm-controller/api/v2"\n`,
  );
  const env = { ...process.env, GOFLAGS: "-mod=mod", CGO_ENABLED: "0" };
  execFileSync("go", ["mod", "tidy"], { cwd: work, env, stdio: ["ignore", "pipe", "pipe"] });
  execFileSync(controllerGen, ["crd", "paths=github.com/fluxcd/helm-controller/api/v2", `output:crd:dir=${outDir}`], {
    cwd: work,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  rmSync(work, { recursive: true, force: true });
}
