import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, relative } from "node:path";
import { parse } from "yaml";
import { list, record } from "../../capabilities/k8s/object";
import { InputError } from "../../lib/render";
import { UsageError } from "../run-command";

/** A k3d config is a page of YAML; anything larger is not one. */
const MAX_K3D_CONFIG = 64 * 1024;

/** One folder of clusters/ that `bonsai up --cluster <name>` can bring up. */
export interface ClusterChoice {
  name: string;
  /** Its k3d config (clusters/<name>/k3d.yaml). */
  k3dConfig: string;
  /** How many nodes the config asks for (servers + agents): the kwok nodes of the embedded plane. */
  nodes: number;
  /** Host folders the config mounts from ~/.bonsai (k3d does not create them). */
  hostFolders: string[];
}

/** The folders of clusters/ with a Flux entry point and a k3d config (the shared overlays folder is neither). */
export function clusterNames(repoRoot: string): string[] {
  const dir = join(repoRoot, "clusters");
  return readdirSync(dir)
    .filter(n => statSync(join(dir, n)).isDirectory() && existsSync(join(dir, n, "k3d.yaml")))
    .sort();
}

const count = (v: unknown, field: string, file: string, fallback: number): number => {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 16)
    throw new InputError(`${file}: ${field} is ${JSON.stringify(v)}; expected a whole number from 0 to 16`);
  return v;
};

/** The host side of a k3d volume `host:container`, with ${HOME} expanded; only folders under ~/.bonsai count. */
function bonsaiHostFolder(volume: unknown): string | undefined {
  const spec = String(record(volume)?.volume ?? "");
  const host = spec.slice(0, spec.indexOf(":/") < 0 ? 0 : spec.indexOf(":/")).replace("${HOME}", homedir());
  return host.startsWith(join(homedir(), ".bonsai") + "/") ? host : undefined;
}

/**
 * The cluster `--cluster <name>` names: `clusters/<name>` must exist with a k3d.yaml; otherwise a usage error
 * naming the flag and the folders there are.
 */
export function resolveCluster(repoRoot: string, name: string): ClusterChoice {
  const names = clusterNames(repoRoot);
  if (!names.includes(name))
    throw new UsageError(
      `--cluster ${JSON.stringify(name.slice(0, 64))}: there is no clusters/${name.slice(0, 64)}/ with a k3d.yaml; ` +
        `the clusters are ${names.join(", ")} (folders of clusters/)`,
    );
  const k3dConfig = join(repoRoot, "clusters", name, "k3d.yaml");
  const file = relative(repoRoot, k3dConfig);
  if (statSync(k3dConfig).size > MAX_K3D_CONFIG) throw new InputError(`${file} is larger than ${MAX_K3D_CONFIG} bytes`);
  const config = record(parse(readFileSync(k3dConfig, "utf8")));
  if (config?.kind !== "Simple") throw new InputError(`${file}: kind must be Simple (a k3d SimpleConfig)`);
  const nodes = count(config.servers, "servers", file, 1) + count(config.agents, "agents", file, 0);
  if (nodes < 1) throw new InputError(`${file}: servers + agents is 0; a cluster needs a node`);
  const hostFolders = list(config.volumes).flatMap(v => bonsaiHostFolder(v) ?? []);
  return { name, k3dConfig, nodes, hostFolders };
}
