/**
 * Container paths -> local paths. The platform runs every container with a read-only root filesystem, so a
 * path a program writes must lie on one of the container's volumes; `mapIntoState` fails, naming the path and
 * the fix, when it does not (the day-one crash this harness exists to catch), and otherwise returns the same
 * path inside the test's state directory (`<state>/volumes/<volume name>/<rest>`), created and owned by the
 * user the program runs as.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Workload } from "./manifests";
import { giveToHarnessUser } from "./process";

/** The volume mount of the container that holds `containerPath` (the longest matching mount path). */
export function mountHolding(w: Workload, containerPath: string) {
  const within = (mount: string) => containerPath === mount || containerPath.startsWith(mount.replace(/\/$/, "") + "/");
  return (w.container.volumeMounts ?? [])
    .filter(m => !m.subPath && within(m.mountPath))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
}

export function mapIntoState(w: Workload, containerPath: string, stateDir: string, userName?: string): string {
  const mount = mountHolding(w, containerPath);
  if (!mount)
    throw new Error(
      `${w.kind}/${w.name} container ${w.container.name} writes ${containerPath}, which is on its read-only root ` +
        `filesystem: add a volume mounted at ${containerPath} (or a parent) in spec.template.spec.containers[].volumeMounts`,
    );
  const rest = containerPath.slice(mount.mountPath.replace(/\/$/, "").length).replace(/^\//, "");
  let dir = join(stateDir, "volumes");
  for (const part of [mount.name, ...rest.split("/").filter(Boolean)]) {
    dir = join(dir, part);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    giveToHarnessUser(dir, userName);
  }
  giveToHarnessUser(join(stateDir, "volumes"), userName);
  return dir;
}
