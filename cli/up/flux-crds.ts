import { existsSync } from "node:fs";
import { join } from "node:path";

/** The Flux CRD files (from the Flux controllers' Go modules), through tools/flux-crds.ts. */
export function fluxCrdFiles(): string[] {
  const file = join(__dirname, "..", "..", "tools", "flux-crds.ts");
  if (!existsSync(file)) throw new Error("tools/flux-crds.ts is missing: the Flux CRDs cannot be installed");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as Record<string, unknown>;
  const fn = Object.values(mod).find((v): v is () => string[] => typeof v === "function");
  if (!fn) throw new Error("tools/flux-crds.ts exports no function returning the CRD files");
  return fn();
}
