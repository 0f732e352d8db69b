import { execFileSync } from "node:child_process";
import { goInstallCached } from "./cache";

export const KUSTOMIZE_VERSION = "v5.8.2"; // v5.8.3 needs Go 1.27

/** The kustomize binary, built once from the Go module proxy and cached by version. */
export function kustomizeBinary(): string {
  return goInstallCached({
    name: "kustomize",
    version: KUSTOMIZE_VERSION,
    pkg: "sigs.k8s.io/kustomize/kustomize/v5",
  });
}

/** Renders a kustomization root; throws with kustomize's own message (it names the file) on failure. */
export function kustomizeBuild(dir: string): string {
  try {
    return execFileSync(kustomizeBinary(), ["build", "--enable-helm=false", dir], {
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`kustomize build ${dir} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}
