// Every container of the platform (and of the ZooKeeper variant) against docs/runtime-contract.yaml: the image
// and user it runs as, every path it writes on a volume (the root is read-only), every env name one its image
// reads, its ports and HTTP probe paths; and the doc's table generated from the data.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { KubeObject } from "../../capabilities/k8s/object";
import { podTemplateOf } from "../../capabilities/k8s/pod-template";
import { platformObjects, renderPlatform, REPO_ROOT } from "../../lib/render";
import { ContractEntry, CONTRACT_DOC, readContract, withTable } from "../../tools/runtime-contract";
import { Container, renderApp, Workload } from "../support/real/manifests";
import { PGBOUNCER_ENTRYPOINT_ENV } from "../support/real/pgbouncer-config";
import { mountHolding } from "../support/real/volumes";

const contract = readContract();
const VARIANT = "apps/infra/kafka-zookeeper";

interface Found {
  key: string;
  variant?: string;
  workload: Workload;
  runAsUser?: number;
}

function containersOf(objects: KubeObject[], variant?: string): Found[] {
  const out: Found[] = [];
  for (const o of objects) {
    const pod = podTemplateOf(o);
    if (!pod || pod.missing) continue;
    const spec = pod.spec as { securityContext?: { runAsUser?: number } };
    for (const c of [
      ...((pod.spec.initContainers ?? []) as Container[]),
      ...((pod.spec.containers ?? []) as Container[]),
    ]) {
      const namespace = String(o.metadata?.namespace ?? "default");
      const sc = c.securityContext as { runAsUser?: number } | undefined;
      out.push({
        key: `${o.kind} ${namespace}/${o.metadata?.name}`,
        variant,
        workload: { kind: String(o.kind), name: String(o.metadata?.name), namespace, container: c, object: o },
        runAsUser: sc?.runAsUser ?? spec.securityContext?.runAsUser,
      });
    }
  }
  return out;
}

/** `Job backend/backend-migrate-*`: a trailing star matches the chart's hashed suffix (no regex). */
const matches = (pattern: string, key: string) =>
  pattern.endsWith("*") ? key.startsWith(pattern.slice(0, -1)) : pattern === key;

const platform = containersOf(platformObjects(renderPlatform(REPO_ROOT)));
const variantOnly = containersOf(renderApp(VARIANT), VARIANT).filter(f =>
  ["StatefulSet infra/kafka", "StatefulSet infra/zookeeper"].includes(f.key),
);
const all = [...platform, ...variantOnly];
const entryFor = (f: Found) =>
  contract.find(
    e => matches(e.workload, f.key) && e.container === f.workload.container.name && e.variant === f.variant,
  );

describe("the runtime contract", () => {
  it("has an entry for every container the platform and the ZooKeeper variant run, and no stale ones", () => {
    expect(all.filter(f => !entryFor(f)).map(f => `${f.key} (${f.workload.container.name})`)).toEqual([]);
    const stale = contract.filter(e => !all.some(f => entryFor(f) === e));
    expect(stale.map(e => `${e.workload} (${e.container})`)).toEqual([]);
  });

  describe.each(all.map(f => [`${f.key} (${f.workload.container.name})${f.variant ? " [variant]" : ""}`, f]))(
    "%s",
    (_name, found) => {
      const f = found as Found;
      const e = entryFor(f) as ContractEntry;
      const c = f.workload.container;
      const known = e?.env === "pgbouncer-entrypoint" ? PGBOUNCER_ENTRYPOINT_ENV : (e?.env ?? []);

      it("runs the image and the user of the contract", () => {
        expect(c.image).toBe(e.image);
        expect(f.runAsUser).toBe(Number(e.user.split(" ")[0]));
      });
      it("writes only on volumes", () => {
        expect(e.writes.filter(p => !mountHolding(f.workload, p))).toEqual([]);
      });
      it("sets only env names its image reads", () => {
        const unknown = (c.env ?? [])
          .map(v => v.name)
          .filter(n => !known.includes(n) && !(e.envPrefixes ?? []).some(p => n.startsWith(p)));
        expect(unknown).toEqual([]);
      });
      it("reads its files from volumes", () => {
        expect((e.files ?? []).filter(p => !mountHolding(f.workload, p))).toEqual([]);
      });
      it("exposes the contract's ports, and probes only paths the image serves on its own ports", () => {
        expect((c.ports ?? []).map(p => p.containerPort).sort()).toEqual([...e.ports].sort());
        for (const kind of ["readinessProbe", "livenessProbe", "startupProbe"]) {
          const probe = c[kind] as { httpGet?: { path?: string; port: number | string } } | undefined;
          if (!probe?.httpGet) continue;
          expect(e.probePaths).toContain(probe.httpGet.path ?? "/");
          const port = probe.httpGet.port;
          const names = (c.ports ?? []).flatMap(p => [p.name, p.containerPort]);
          expect(names).toContain(port);
        }
      });
      if (e?.proof === "real")
        it("names the repository test that starts its real program", () => {
          expect(e.provedBy && existsSync(join(REPO_ROOT, e.provedBy))).toBe(true);
        });
    },
  );

  it("Grafana: a log mode with 'file' would need GF_PATHS_LOGS (/var/log/grafana) on a volume", () => {
    const g = platform.find(f => f.key === "Deployment monitoring/grafana")!;
    const env = Object.fromEntries((g.workload.container.env ?? []).map(v => [v.name, v.value ?? ""]));
    const mode = env.GF_LOG_MODE ?? "console file"; // defaults.ini [log] mode
    if (mode.split(/\s+/).includes("file"))
      expect(mountHolding(g.workload, env.GF_PATHS_LOGS ?? "/var/log/grafana")).toBeDefined();
    else expect(mode).toBe("console");
  });

  it("docs/runtime-contract.md's table is generated from the data (npx tsx tools/runtime-contract.ts --write)", () => {
    const doc = readFileSync(CONTRACT_DOC, "utf8");
    expect(doc).toBe(withTable(doc, contract));
  });
});
