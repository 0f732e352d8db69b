import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import type { KubeObject } from "../capabilities/k8s/object";
import { goModDownload } from "./cache";
import { buildWrapper } from "./controlplane/binaries";

/** The CloudNativePG release the multi-node overlay installs (clusters/overlays/multi-node/operators/cloudnative-pg). */
export const CNPG_VERSION = "v1.29.1";
export const CNPG_MODULE = "github.com/cloudnative-pg/cloudnative-pg";

const WRAPPER = join(__dirname, "cnpg");

/** Upstream's release manifest (CRDs, operator, webhooks) inside the published Go module. */
export function cnpgReleaseManifest(): string {
  return join(goModDownload(CNPG_MODULE, CNPG_VERSION), "releases", `cnpg-${CNPG_VERSION.slice(1)}.yaml`);
}

/** The version tools/cnpg/go.mod requires, so a bump of one without the other is caught. */
export function wrapperModuleVersion(): string | undefined {
  return /^\s*(?:require )?github\.com\/cloudnative-pg\/cloudnative-pg (v[\w.-]+)$/m.exec(
    readFileSync(join(WRAPPER, "go.mod"), "utf8"),
  )?.[1];
}

/** Identifies the wrapper's sources, so an edit of main.go or go.mod builds anew instead of reusing the cache. */
function wrapperDigest(): string {
  const h = createHash("sha256");
  for (const f of ["go.mod", "go.sum", "main.go"]) h.update(readFileSync(join(WRAPPER, f)));
  return h.digest("hex").slice(0, 12);
}

/** tools/cnpg built once per version and source into ~/.cache/bonsai/cnpg-objects-<version>-<digest>/. */
export function cnpgObjectsBinary(progress: (m: string) => void = () => {}): string {
  const dir = buildWrapper({
    name: `cnpg-objects-${CNPG_VERSION}-${wrapperDigest()}`,
    moduleDir: WRAPPER,
    packages: ["."],
    ldflags: "-s -w",
    progress,
  });
  return join(dir, "cnpg");
}

/**
 * What CloudNativePG's operator creates for a Cluster (ServiceAccount, PVCs, instance Pods, Services,
 * PodDisruptionBudgets), computed by the operator's own spec builders. Pass the Cluster as the API server
 * returned it (with its uid): the objects' ownerReferences point at it, as the operator's do.
 */
export function cnpgOperatorObjects(cluster: KubeObject, progress?: (m: string) => void): KubeObject[] {
  const out = execFileSync(cnpgObjectsBinary(progress), [], {
    input: stringify(cluster),
    encoding: "utf8",
    stdio: ["pipe", "pipe", "pipe"],
    maxBuffer: 16 * 1024 * 1024,
  });
  return (JSON.parse(out) as { items: KubeObject[] }).items;
}
