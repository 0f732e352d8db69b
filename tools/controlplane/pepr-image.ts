import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { LocalImage } from "./pod-sandbox";

const REPO = join(__dirname, "..", "..");
const PEPR_IMAGE = "ghcr.io/defenseunicorns/pepr/controller";

/**
 * Pepr's controller image, as this machine has it: Node.js (the image's entrypoint) and /app/node_modules
 * with pepr and its dependencies, which is this checkout's node_modules (the same Pepr version, 1.1.4).
 * No registry is reachable here, so the image itself cannot be pulled; anything else is refused.
 */
export function peprControllerImage(image: string): LocalImage | string {
  const version = (
    JSON.parse(readFileSync(join(REPO, "node_modules", "pepr", "package.json"), "utf8")) as {
      version: string;
    }
  ).version;
  if (image !== `${PEPR_IMAGE}:v${version}`)
    return `image ${image} cannot run here: the local kubelet runs only ${PEPR_IMAGE}:v${version} (from node_modules/pepr)`;
  return {
    entrypoint: [process.execPath],
    mounts: [{ source: join(REPO, "node_modules"), target: "/app/node_modules" }],
  };
}
