import { spawnSync } from "node:child_process";
import { ControlPlane } from "../../tools/controlplane/controlplane";
import { PeprDev } from "../../tools/controlplane/pepr-dev";
import { readUpRecord, stateDir, writeUpRecord } from "../up/state";

/** Stops what `bonsai up` started, by the PIDs it recorded (never by process name). */
export async function run(argv: string[]): Promise<number> {
  if (argv.includes("-h") || argv.includes("--help")) {
    process.stdout.write(
      "Usage: bonsai down\n\nStops what `bonsai up` started: the k3d cluster, or the embedded control plane and module.\n",
    );
    return 0;
  }
  const dir = stateDir();
  const record = readUpRecord(dir);
  if (record?.mode === "k3d") {
    const r = spawnSync("k3d", ["cluster", "delete", record.cluster ?? "bonsai"], { stdio: "inherit" });
    writeUpRecord(dir, undefined);
    return r.status === 0 ? 0 : 1;
  }
  const stopped: string[] = [];
  if (record?.peprDevPid && (await PeprDev.stopPid(record.peprDevPid)))
    stopped.push(`pepr dev (pid ${record.peprDevPid})`);
  stopped.push(...(await ControlPlane.stopStateDir(dir)));
  writeUpRecord(dir, undefined);
  process.stdout.write(stopped.length ? `Stopped: ${stopped.join(", ")}\n` : "Nothing was running.\n");
  return 0;
}
