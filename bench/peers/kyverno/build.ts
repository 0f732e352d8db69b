import { join } from "node:path";
import { buildWrapper } from "../../../tools/controlplane/binaries";

/** The Kyverno release the peers are built from; the wrapper module's go.mod requires the same version. */
export const KYVERNO_VERSION = "v1.19.1";

export interface KyvernoBinaries {
  /** The admission controller (`cmd/kyverno`), run out of cluster by the admission bench. */
  controller: string;
  /** The CLI (`cmd/cli/kubectl-kyverno`: `kyverno apply …`), used by the audit bench. */
  cli: string;
}

/**
 * Builds both Kyverno commands in ONE `go build` (they share nearly all packages, so the second costs little)
 * into ~/.cache/bonsai/kyverno-<version>/ and returns their paths; later calls return at once.
 * `go install github.com/kyverno/kyverno/...@v1.19.1` is refused because of kyverno's replace directive,
 * hence the wrapper module next to this file.
 */
export function ensureKyverno(
  progress: (message: string) => void = m => process.stderr.write(`${m}\n`),
): KyvernoBinaries {
  const dir = buildWrapper({
    name: `kyverno-${KYVERNO_VERSION}`,
    moduleDir: __dirname,
    packages: ["github.com/kyverno/kyverno/cmd/kyverno", "github.com/kyverno/kyverno/cmd/cli/kubectl-kyverno"],
    // Kyverno's Makefile stamps the same variable; without it `kyverno version` reports "(devel)".
    ldflags: `-s -w -X github.com/kyverno/kyverno/pkg/version.BuildVersion=${KYVERNO_VERSION}`,
    estimate: "kyverno takes 10-25 minutes on 2 cores",
    progress,
  });
  return { controller: join(dir, "kyverno"), cli: join(dir, "kubectl-kyverno") };
}

if (require.main === module) {
  const bins = ensureKyverno();
  process.stdout.write(`${JSON.stringify(bins)}\n`);
}
