import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import type { KubeObject } from "../../capabilities/k8s/object";
import { auditCli } from "./audit-cli";
import { clusterLayers, platformObjects, renderPlatform } from "../../lib/render";
import { clusterEntry } from "../../lib/render/layers";
import { CNPG_VERSION, cnpgReleaseManifest, wrapperModuleVersion } from "../../tools/cnpg";
import { parse, REPO, renderedPlatform } from "./rendered";

// The multi-node overlay as a tree: it renders, copies nothing from apps/, changes nothing of the single
// node, ships upstream's CloudNativePG release unmodified, and passes its own guardrails.
const ENTRY = join(REPO, "clusters", "multi-node");
const OVERLAY = join(REPO, "clusters", "overlays", "multi-node");
const layers = clusterLayers(REPO, "multi-node");
const rendered = platformObjects(renderPlatform(REPO, "multi-node"), { withModule: true });
const key = (o: KubeObject) => `${o.kind} ${o.metadata?.namespace ?? ""}/${o.metadata?.name}`;
const byKey = (objs: KubeObject[]) => new Map(objs.map(o => [key(o), o]));

describe("clusters/multi-node", () => {
  it("has the single node's layer Kustomizations, differing only in the overlay paths and the operators layer", () => {
    const strip = (o: KubeObject) => {
      const spec = { ...(o.spec as Record<string, unknown>) };
      delete spec.path;
      if (o.metadata?.name === "infra")
        spec.dependsOn = (spec.dependsOn as { name: string }[]).filter(d => d.name !== "operators");
      return { ...o, spec };
    };
    const local = new Map(clusterEntry(REPO, "local").map(o => [o.metadata?.name, o]));
    const multi = clusterEntry(REPO, "multi-node").filter(o => o.metadata?.name !== "operators");
    expect(multi.map(o => o.metadata?.name).sort()).toEqual([...local.keys()].sort());
    for (const o of multi) expect(strip(o)).toEqual(strip(local.get(o.metadata?.name)!));
    const moved = Object.fromEntries(
      multi
        .filter(o => (o.spec as { path: string }).path.includes("overlays"))
        .map(o => [o.metadata?.name, (o.spec as { path: string }).path]),
    );
    expect(moved).toEqual({
      apps: "./clusters/overlays/multi-node/apps",
      guardrails: "./clusters/overlays/multi-node/guardrails",
      infra: "./clusters/overlays/multi-node/infra",
      ingress: "./clusters/overlays/multi-node/ingress",
    });
  });

  it("has the single node's layers in the same order, plus operators before infra", () => {
    const local = clusterLayers(REPO, "local").map(l => l.name);
    const names = layers.map(l => l.name);
    expect(names.filter(n => n !== "operators")).toEqual(local);
    expect(names.indexOf("operators")).toBeLessThan(names.indexOf("infra"));
    expect(layers.find(l => l.name === "infra")?.dependsOn).toContain("operators");
  });

  it("copies no manifest of apps/: each overlay resource is a new object, the rest are patches", () => {
    const single = byKey(renderedPlatform());
    const copies: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir)) {
        const p = join(dir, e);
        if (statSync(p).isDirectory()) walk(p);
        else if (e === "kustomization.yaml") {
          const k = parseYaml(readFileSync(p, "utf8")) as { resources?: string[] };
          for (const r of k.resources ?? []) {
            if (!r.endsWith(".yaml")) continue;
            for (const o of parse(readFileSync(join(dir, r), "utf8")))
              if (single.has(key(o))) copies.push(`${relative(REPO, join(dir, r))}: ${key(o)}`);
          }
        }
      }
    };
    walk(OVERLAY);
    walk(ENTRY);
    expect(copies).toEqual([]);
  });

  it("changes on the single node only what a multi-node cluster must replace", () => {
    const single = byKey(renderedPlatform());
    const multi = byKey(rendered);
    const gone = [...single.keys()].filter(k => !multi.has(k));
    expect(gone.sort()).toEqual(["Service infra/postgresql-primary", "StatefulSet infra/postgresql"]);
    const changed = [...single.keys()]
      .filter(k => multi.has(k) && JSON.stringify(single.get(k)) !== JSON.stringify(multi.get(k)))
      .sort();
    expect(changed).toEqual([
      // The apps: two replicas at least, spread (the HelmReleases' values, and what the chart renders from them).
      "Deployment backend/backend",
      "Deployment frontend/frontend",
      "Deployment infra/pgbouncer",
      "Deployment ingress-nginx/ingress-nginx-controller",
      "HelmRelease backend/backend",
      "HelmRelease frontend/frontend",
      "HorizontalPodAutoscaler backend/backend",
      "HorizontalPodAutoscaler frontend/frontend",
      // The module's quota at the three-node size (test/repo/multi-node-quota.test.ts).
      "ResourceQuota infra/compute-quota",
      "Service infra/kafka-headless",
      "StatefulSet infra/kafka",
    ]);
  });

  it("runs each app at two replicas at least, spread over the nodes by host name", () => {
    for (const app of ["frontend", "backend"]) {
      const hpa = rendered.find(o => key(o) === `HorizontalPodAutoscaler ${app}/${app}`)!;
      expect((hpa.spec as { minReplicas: number }).minReplicas).toBe(2);
      const deployment = rendered.find(o => key(o) === `Deployment ${app}/${app}`)!;
      const pod = (deployment.spec as { template: { metadata: { labels: Record<string, string> }; spec: any } })
        .template;
      const [spread] = pod.spec.topologySpreadConstraints as { labelSelector: { matchLabels: object } }[];
      expect(spread).toMatchObject({ topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule" });
      expect(pod.metadata.labels).toMatchObject(spread.labelSelector.matchLabels);
    }
  });

  it("ships CloudNativePG's release manifest exactly as the published Go module has it", () => {
    const committed = readFileSync(join(OVERLAY, "operators", "cloudnative-pg", `cnpg-${CNPG_VERSION.slice(1)}.yaml`));
    const upstream = readFileSync(cnpgReleaseManifest());
    const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
    expect(sha(committed)).toBe(sha(upstream));
    expect(readFileSync(join(OVERLAY, "operators", "cloudnative-pg", "kustomization.yaml"), "utf8")).toContain(
      sha(upstream),
    );
    expect(wrapperModuleVersion()).toBe(CNPG_VERSION);
  });

  it("gives Kafka three voters, replication factor 3 and min ISR 2", () => {
    const kafka = rendered.find(o => key(o) === "StatefulSet infra/kafka")!;
    const spec = kafka.spec as {
      replicas: number;
      template: { spec: { containers: { env: { name: string; value?: string }[] }[] } };
    };
    const env = Object.fromEntries(spec.template.spec.containers[0].env.map(e => [e.name, e.value]));
    expect(spec.replicas).toBe(3);
    expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS?.split(",")).toEqual(
      [0, 1, 2].map(i => `${i + 1}@kafka-${i}.kafka-headless.infra.svc.cluster.local:9093`),
    );
    expect([env.KAFKA_DEFAULT_REPLICATION_FACTOR, env.KAFKA_MIN_INSYNC_REPLICAS]).toEqual(["3", "2"]);
  });
});

describe("bonsai audit clusters/multi-node (the entry point; the audit follows its layers)", () => {
  const r = auditCli(["clusters/multi-node"]);
  const results = r.results;

  it("exits 0 with no fail or error", () => {
    const bad = results.filter(x => x.result === "fail" || x.result === "error");
    expect(
      bad.map(x => `${x.resources[0].kind} ${x.resources[0].namespace}/${x.resources[0].name}: ${x.message}`),
    ).toEqual([]);
    expect([r.status, r.stderr]).toEqual([0, ""]);
  });

  it("skips only what an Exemption with a reason covers: the single node's, plus this cluster's one", () => {
    const exempted = new Set(
      results
        .filter(x => x.properties?.exemption)
        .map(x =>
          [x.policy, x.rule, `${x.resources[0].namespace}/${x.resources[0].name}`, x.properties!.exemption].join(" "),
        ),
    );
    expect([...exempted].sort()).toEqual([
      "network-flows egress-destinations infra/allow-cnpg-to-api-server multi-node-cloudnative-pg-flows",
      "network-flows ingress-sources infra/allow-from-cnpg-operator multi-node-cloudnative-pg-flows",
      "service-type loadbalancer ingress-nginx/ingress-nginx-controller ingress-loadbalancer",
    ]);
  });

  it("judges the CloudNativePG operator's own Deployment too", () => {
    expect(
      results.some(x => x.policy === "pod-security-standards" && x.resources[0].name === "cnpg-controller-manager"),
    ).toBe(true);
  });
});
