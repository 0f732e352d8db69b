import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { KubeObject, list, record } from "../../capabilities/k8s/object";
import { QUOTA_SIZE_ENV, QuotaSize, quotaSizeNamed } from "../../capabilities/config/quota-sizes";
import { MODULE_NAME, MODULE_NAMESPACE } from "../../tools/controlplane/pepr-deploy";
import { InputError, parseObjects } from "./yaml";

/** A patch file is small; anything bigger is not one of ours. */
const MAX_PATCH = 64 * 1024;
const PATCH_FILE = /-deployment-patch\.ya?ml$/;
/** The two Deployments `npx pepr deploy` creates; both must run with the same quota size. */
const MODULE_DEPLOYMENTS = [MODULE_NAME, `${MODULE_NAME}-watcher`];

/** A strategic-merge patch of one of the module's Deployments, as committed. */
export interface ModulePatch {
  /** Path relative to the repository root. */
  file: string;
  name: string;
  body: KubeObject;
}

/**
 * A cluster's settings of the guardrails module, which `npx pepr deploy` installs (not Flux): the folder
 * `clusters/overlays/<cluster>/pepr-module/` with strategic-merge patches of the module's Deployments
 * (`*-deployment-patch.yaml`) and a kustomization of objects beside them (a PodDisruptionBudget). A cluster
 * without the folder runs the module as deployed, at the default quota size.
 */
export interface ModuleOverlay {
  dir: string;
  patches: ModulePatch[];
  /** The quota size the patches give the module (QUOTA_SIZE_ENV), the default when they set none. */
  quotaSize: QuotaSize;
}

export const moduleOverlayDir = (repoRoot: string, cluster: string) =>
  join(repoRoot, "clusters", "overlays", cluster, "pepr-module");

function readPatch(repoRoot: string, path: string): ModulePatch {
  const file = relative(repoRoot, path);
  if (statSync(path).size > MAX_PATCH) throw new InputError(`${file} is larger than ${MAX_PATCH} bytes; not a patch`);
  const docs = parseObjects(readFileSync(path, "utf8"), file);
  const body = docs[0];
  const name = String(body?.metadata?.name ?? "");
  if (docs.length !== 1 || body.kind !== "Deployment" || !MODULE_DEPLOYMENTS.includes(name))
    throw new InputError(
      `${file}: a module patch holds one Deployment named ${MODULE_DEPLOYMENTS.join(" or ")} (what pepr deploy creates)`,
    );
  if (body.metadata?.namespace !== MODULE_NAMESPACE)
    throw new InputError(`${file}: metadata.namespace must be ${MODULE_NAMESPACE}`);
  return { file, name, body };
}

/** The values the patch gives QUOTA_SIZE_ENV, with the field path of each. */
function quotaSizeSettings(patch: ModulePatch): { value: string; path: string }[] {
  const containers = list(record(record(record(patch.body.spec)?.template)?.spec)?.containers);
  return containers.flatMap((c, i) =>
    list(record(c)?.env).flatMap((e, j) =>
      record(e)?.name === QUOTA_SIZE_ENV
        ? [{ value: String(record(e)?.value ?? ""), path: `spec.template.spec.containers[${i}].env[${j}].value` }]
        : [],
    ),
  );
}

/** The module overlay of `clusters/<cluster>`, or undefined when the cluster has none. */
export function moduleOverlay(repoRoot: string, cluster: string): ModuleOverlay | undefined {
  const dir = moduleOverlayDir(repoRoot, cluster);
  if (!existsSync(dir)) return undefined;
  const patches = readdirSync(dir)
    .filter(f => PATCH_FILE.test(f))
    .sort()
    .map(f => readPatch(repoRoot, join(dir, f)));
  const settings = patches.map(p => ({ patch: p, set: quotaSizeSettings(p) }));
  const named = settings.flatMap(s => s.set.map(x => ({ ...x, file: s.patch.file })));
  const sizes = named.map(n => quotaSizeNamed(n.value, `${n.file}: ${n.path} (${QUOTA_SIZE_ENV})`));
  if (new Set(sizes).size > 1)
    throw new InputError(
      `${relative(repoRoot, dir)}: the module's Deployments are given different quota sizes ` +
        `(${named.map(n => `${n.file} ${n.value}`).join(", ")}); the watcher writes the quotas the admission pods ` +
        `cap, so both must name the same ${QUOTA_SIZE_ENV}`,
    );
  if (sizes.length) {
    const missing = MODULE_DEPLOYMENTS.filter(d => !settings.some(s => s.patch.name === d && s.set.length));
    if (missing.length)
      throw new InputError(
        `${relative(repoRoot, dir)}: ${QUOTA_SIZE_ENV} is set for ${named.map(n => n.file).join(", ")} but not ` +
          `for Deployment ${missing.join(", ")}; add a *-deployment-patch.yaml setting it on each of ${MODULE_DEPLOYMENTS.join(", ")}`,
      );
  }
  return { dir, patches, quotaSize: sizes[0] ?? quotaSizeNamed(undefined) };
}

/** The quota size the module of `clusters/<cluster>` runs with. */
export function clusterQuotaSize(repoRoot: string, cluster: string): QuotaSize {
  return moduleOverlay(repoRoot, cluster)?.quotaSize ?? quotaSizeNamed(undefined);
}
