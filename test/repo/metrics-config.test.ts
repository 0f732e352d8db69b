// The metrics layer's configuration read by the programs that run it: vmalert parses every rule file and every
// dashboard query (MetricsQL), VictoriaMetrics parses the scrape configuration strictly, dashboards use only
// provisioned data sources. Broken copies prove that each check fails and names the file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { checkDashboardQueries, dashboardFiles, dashboardQueries } from "../support/metrics/dashboards";
import { scrapeConfigDryRun, vmalertDryRun } from "../support/metrics/rules";
import { find, REPO, renderedPlatform } from "./rendered";

jest.setTimeout(600_000); // the first run builds VictoriaMetrics and vmalert from the Go module proxy (~1-2 min)

const METRICS = join(REPO, "apps", "metrics");
const RULES_DIR = join(METRICS, "vmalert", "rules");
const RULE_FILES = ["alerts.yaml"].map(f => join(RULES_DIR, f));
const SCRAPE = join(METRICS, "victoria-metrics", "scrape.yaml");
const DASHBOARDS = dashboardFiles(join(METRICS, "dashboards"));
let scratch: string;

beforeAll(() => (scratch = mkdtempSync(join(tmpdir(), "bonsai-metrics-config-"))));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const copyWith = (from: string, name: string, edit: (text: string) => string) => {
  const file = join(scratch, name);
  writeFileSync(file, edit(readFileSync(from, "utf8")));
  return file;
};

describe("alert rules", () => {
  it("parse with vmalert -dryRun", () => expect(vmalertDryRun(RULE_FILES)).toBeUndefined());

  it("a malformed expression fails, naming the file and the rule", () => {
    const bad = copyWith(RULE_FILES[0], "broken-rules.yaml", t => t.replace("expr: pg_up == 0", "expr: pg_up == ("));
    const err = vmalertDryRun([bad]);
    expect(err).toContain(bad);
    expect(err).toContain('rule "PostgreSQLDown"');
  });

  it("are the files vmalert's ConfigMap carries", () => {
    const cm = renderedPlatform().find(
      o => o.kind === "ConfigMap" && String(o.metadata?.name).startsWith("vmalert-rules"),
    );
    expect(Object.keys((cm?.data as Record<string, string>) ?? {}).sort()).toEqual(["alerts.yaml"]);
  });

  it("cover what the issue asks a single-node owner to hear about", () => {
    const doc = parse(readFileSync(RULE_FILES[0], "utf8")) as { groups: { rules: { alert?: string }[] }[] };
    const names = doc.groups.flatMap(g => g.rules.map(r => r.alert));
    for (const want of [
      "TargetDown",
      "PodCrashLooping",
      "PersistentVolumeOver80Percent",
      "KafkaConsumerLagGrowing",
      "PgBouncerClientsWaiting",
      "PgBouncerDown",
      "HTTP5xxRate",
      "GuardrailsWebhookFailing",
      "GuardrailsWebhookSlow",
      "MemoryPressureOnDockerVM",
    ])
      expect(names).toContain(want);
  });
});

describe("scrape configuration", () => {
  it("parses strictly with victoria-metrics -promscrape.config.dryRun", () =>
    expect(scrapeConfigDryRun(SCRAPE)).toBeUndefined());

  it("an unknown field fails, naming the file", () => {
    const bad = copyWith(SCRAPE, "broken-scrape.yaml", t => t.replace("scrape_interval:", "scrape_intervall:"));
    const err = scrapeConfigDryRun(bad);
    expect(err).toContain(bad);
    expect(err).toContain("scrape_intervall");
  });
});

describe("dashboards", () => {
  const provisioned = () => {
    const cm = find(renderedPlatform(), "ConfigMap", "monitoring", "grafana-datasources");
    return Object.values((cm?.data as Record<string, string>) ?? {}).flatMap(text =>
      ((parse(text) as { datasources: { uid: string }[] }).datasources ?? []).map(d => d.uid),
    );
  };

  it("exist and are the files of Grafana's metrics ConfigMap", () => {
    expect(DASHBOARDS.length).toBeGreaterThan(0);
    const cm = find(renderedPlatform(), "ConfigMap", "monitoring", "grafana-dashboards-metrics");
    expect(Object.keys((cm?.data as Record<string, string>) ?? {}).sort()).toEqual(
      DASHBOARDS.map(f => f.split("/").pop()).sort(),
    );
  });

  it("query only provisioned data sources", () => {
    const uids = provisioned();
    for (const q of DASHBOARDS.flatMap(f => dashboardQueries(f, REPO)))
      expect(`${q.file} "${q.panel}" ${q.refId}: ${uids.includes(q.datasourceUid) ? "ok" : q.datasourceUid}`).toBe(
        `${q.file} "${q.panel}" ${q.refId}: ok`,
      );
  });

  it("every query parses as MetricsQL (vmalert -dryRun over them as recording rules)", () => {
    const queries = DASHBOARDS.flatMap(f => dashboardQueries(f, REPO));
    expect(checkDashboardQueries(queries, scratch, vmalertDryRun)).toBeUndefined();
  });

  it("a broken query fails naming the dashboard file, the panel and the target", () => {
    const queries = DASHBOARDS.flatMap(f => dashboardQueries(f, REPO));
    queries[3] = { ...queries[3], expr: `sum by (node) (rate(${queries[3].expr}` };
    const err = checkDashboardQueries(queries, scratch, vmalertDryRun);
    expect(err).toMatch(
      new RegExp(`^apps/metrics/dashboards/[a-z-]+\\.json panel "${queries[3].panel}" target ${queries[3].refId}: `),
    );
  });

  it("a file that is not JSON fails naming it", () => {
    const bad = copyWith(DASHBOARDS[0], "broken.json", t => t.slice(0, t.length / 2));
    expect(() => dashboardQueries(bad, scratch)).toThrow(/^broken\.json: not valid JSON/);
  });

  it("a panel without a query fails naming the file and the panel", () => {
    const bad = copyWith(DASHBOARDS[0], "no-targets.json", t => {
      const doc = JSON.parse(t);
      doc.panels[1].targets = [];
      return JSON.stringify(doc);
    });
    expect(() => dashboardQueries(bad, scratch)).toThrow(/^no-targets\.json panels\[1\] ".+": a panel without targets/);
  });
});
