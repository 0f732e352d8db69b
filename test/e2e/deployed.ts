import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { MODULE_NAMESPACE } from "../../tools/controlplane/pepr-deploy";
import type { E2eCluster } from "./cluster";

/** One line of the API server's audit log (Metadata level): who, what, and the answer's status. */
export interface AuditEntry {
  stage: string;
  verb: string;
  user: { username: string; extra?: Record<string, string[]> };
  objectRef?: { resource?: string; namespace?: string; name?: string; apiGroup?: string };
  responseStatus?: { code: number };
}

const MAX_AUDIT_BYTES = 64 * 1024 * 1024;

export function auditEntries(stateDir: string): AuditEntry[] {
  const file = join(stateDir, "audit.log");
  if (!existsSync(file)) return [];
  if (statSync(file).size > MAX_AUDIT_BYTES) throw new Error(`${file} is larger than ${MAX_AUDIT_BYTES} bytes`);
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map(l => JSON.parse(l) as AuditEntry)
    .filter(e => e.stage === "ResponseComplete");
}

/** The module's requests as the API server saw them, made with its ServiceAccount's token. */
export class ModuleIdentity {
  constructor(
    private readonly stateDir: string,
    private readonly username: string,
  ) {}

  requests(match: (e: AuditEntry) => boolean): AuditEntry[] {
    return auditEntries(this.stateDir).filter(e => e.user.username === this.username && match(e));
  }
}

export interface ModulePod {
  name: string;
  controller: string;
  ready: boolean;
  ip: string;
  serviceAccount: string;
  args: string[];
  deleting: boolean;
}

export function podsOf(c: Pick<E2eCluster, "kubectl">): ModulePod[] {
  const r = c.kubectl(["get", "pods", "-n", MODULE_NAMESPACE, "-o", "json"]);
  if (r.code !== 0) throw new Error(r.stderr);
  type P = {
    metadata: { name: string; labels: Record<string, string>; deletionTimestamp?: string };
    spec: { serviceAccountName: string; containers: { args: string[] }[] };
    status: { podIP?: string; conditions?: { type: string; status: string }[] };
  };
  return (JSON.parse(r.stdout).items as P[]).map(p => ({
    name: p.metadata.name,
    controller: p.metadata.labels["pepr.dev/controller"],
    ready: !!p.status.conditions?.some(x => x.type === "Ready" && x.status === "True"),
    ip: p.status.podIP ?? "",
    serviceAccount: p.spec.serviceAccountName,
    args: p.spec.containers[0].args,
    deleting: !!p.metadata.deletionTimestamp,
  }));
}
