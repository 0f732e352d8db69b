/** pgbench (Debian's, the server's version) against PostgreSQL directly and through PgBouncer, same settings. */
import { spawnSync } from "node:child_process";
import type { PsqlTarget } from "../../test/support/real/postgres";

export interface PgbenchRun {
  via: "direct" | "pgbouncer";
  clients: number;
  seconds: number;
  tps: number;
  latencyMs: number;
}

function pgbench(t: PsqlTarget, args: string[], timeoutMs: number): string {
  const r = spawnSync("pgbench", ["-h", t.host, "-p", String(t.port), "-U", t.user, ...args, t.database], {
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", PGPASSWORD: t.password },
    timeout: timeoutMs,
  });
  if (r.status !== 0) throw new Error(`pgbench ${args.join(" ")} failed: ${r.error?.message ?? ""}${r.stderr}`);
  return r.stdout;
}

/** The standard TPC-B-like tables at `scale` (100,000 accounts per unit), written directly to the server. */
export function pgbenchInit(direct: PsqlTarget, scale: number): void {
  pgbench(direct, ["-i", "-q", "-s", String(scale)], 300_000);
}

/**
 * The default TPC-B-like transaction (5 statements: 3 UPDATEs, a SELECT, an INSERT) in simple protocol: PgBouncer's
 * transaction pooling cannot carry named prepared statements (-M prepared), so both sides use -M simple.
 */
export function pgbenchRun(via: PgbenchRun["via"], t: PsqlTarget, clients: number, seconds: number): PgbenchRun {
  const out = pgbench(
    t,
    ["-n", "-M", "simple", "-c", String(clients), "-j", "2", "-T", String(seconds)],
    (seconds + 60) * 1000,
  );
  const tps = /tps = ([0-9.]+)/.exec(out);
  const lat = /latency average = ([0-9.]+) ms/.exec(out);
  if (!tps || !lat) throw new Error(`pgbench printed no tps/latency:\n${out}`);
  return { via, clients, seconds, tps: Math.round(Number(tps[1])), latencyMs: Number(lat[1]) };
}
