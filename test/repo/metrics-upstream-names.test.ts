// The kubelet's and cAdvisor's metrics cannot be scraped here (no kubelet), so the names the dashboard and the
// rules use are checked against the source of the versions the platform runs: Kubernetes v1.35.4 (k3s 1.35) and
// the cAdvisor its go.mod pins. A misspelt family would otherwise be a silent, empty panel on the Mac.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { goModDownload } from "../../tools/cache";
import { KUBERNETES_VERSION } from "../../tools/controlplane/binaries";
import { dashboardFiles, dashboardQueries } from "../support/metrics/dashboards";
import { REPO } from "./rendered";

jest.setTimeout(300_000); // a cold module cache downloads the Kubernetes module once

const METRICS = join(REPO, "apps", "metrics");
const exprs = [
  ...dashboardFiles(join(METRICS, "dashboards")).flatMap(f => dashboardQueries(f, REPO).map(q => q.expr)),
  readFileSync(join(METRICS, "vmalert", "rules", "alerts.yaml"), "utf8"),
];
// Our own files, bounded: a simple identifier scan, no backtracking.
const families = (prefix: string) =>
  [...new Set(exprs.flatMap(e => e.match(new RegExp(`\\b${prefix}[a-z_]+\\b`, "g")) ?? []))].sort();

const kube = goModDownload("k8s.io/kubernetes", KUBERNETES_VERSION);
const cadvisorVersion = /^\s*github\.com\/google\/cadvisor (v\S+)$/m.exec(
  readFileSync(join(kube, "go.mod"), "utf8"),
)?.[1];
const read = (dir: string) =>
  readdirSync(dir)
    .filter(f => f.endsWith(".go") && !f.endsWith("_test.go"))
    .map(f => readFileSync(join(dir, f), "utf8"))
    .join("\n");

test("the versions are found", () => expect(cadvisorVersion).toMatch(/^v0\./));

test.each(families("node_"))("%s is a kubelet /metrics/resource family (Kubernetes source)", name => {
  expect(read(join(kube, "pkg", "kubelet", "metrics", "collectors"))).toContain(`"${name}"`);
});

test.each([...families("container_"), ...families("machine_")])("%s is a cAdvisor family (cAdvisor source)", name => {
  const cadvisor = goModDownload("github.com/google/cadvisor", String(cadvisorVersion));
  expect(read(join(cadvisor, "metrics"))).toContain(`"${name}"`);
});

test.each(families("kubelet_volume_stats_"))("%s is a kubelet volume stats family (Kubernetes source)", name => {
  const src = read(join(kube, "pkg", "kubelet", "metrics"));
  expect(src).toMatch(/KubeletSubsystem\s+= "kubelet"/);
  expect(src).toContain(`"${name.slice("kubelet_".length)}"`);
});

test("the scan finds the families the dashboard is built on", () => {
  expect(families("node_")).toEqual(["node_cpu_usage_seconds_total", "node_memory_working_set_bytes"]);
  expect(families("kubelet_volume_stats_").length).toBe(2);
});
