/**
 * The tree's scrape configuration (apps/metrics/victoria-metrics/scrape.yaml) with only the targets rewritten to
 * loopback. Every job must be mapped, so a job added to the tree makes the test decide how to cover it:
 *
 *   - `{ target, labels?, files? }`: the program runs here at `target`. Static targets replace the job's
 *     kubernetes_sd_configs; then relabel rules that read `__meta_kubernetes_*` (which only Kubernetes discovery
 *     sets) are dropped and `labels` stand for what they would have set (the pod's app, namespace, node). Paths of
 *     credentials (`bearer_token_file`, `tls_config.*_file`) are replaced by `files`. Everything else, the
 *     metric_relabel_configs that decide which series are kept included, stays as in git.
 *   - `{ down: reason }`: the program cannot run here; the job points at a closed loopback port, so it shows as
 *     `up == 0`, which is what the store must show for a target that does not answer.
 */
import { parse, stringify } from "yaml";

export type JobMapping =
  | { target: string; labels?: Record<string, string>; files?: Record<string, string>; scheme?: string }
  | { down: string };

interface ScrapeJob {
  job_name: string;
  static_configs?: { targets: string[]; labels?: Record<string, string> }[];
  kubernetes_sd_configs?: unknown[];
  relabel_configs?: { source_labels?: string[] }[];
  bearer_token_file?: string;
  tls_config?: Record<string, unknown>;
  [key: string]: unknown;
}

interface ScrapeFile {
  global?: Record<string, unknown>;
  scrape_configs: ScrapeJob[];
}

export function parseScrapeConfig(text: string, file: string): ScrapeFile {
  const doc = parse(text) as ScrapeFile | null;
  if (!doc || !Array.isArray(doc.scrape_configs))
    throw new Error(`${file}: no scrape_configs list (a Prometheus scrape configuration is expected)`);
  return doc;
}

const readsKubernetesMeta = (r: { source_labels?: string[] }) =>
  (r.source_labels ?? []).some(l => l.startsWith("__meta_kubernetes_"));

function rewriteFiles(job: ScrapeJob, files: Record<string, string>): void {
  const swap = (path: unknown, where: string): string => {
    const local = files[String(path)];
    if (!local) throw new Error(`job ${job.job_name}: ${where} ${String(path)} has no local stand-in in the mapping`);
    return local;
  };
  if (job.bearer_token_file) job.bearer_token_file = swap(job.bearer_token_file, "bearer_token_file");
  for (const key of ["ca_file", "cert_file", "key_file"])
    if (job.tls_config?.[key]) job.tls_config[key] = swap(job.tls_config[key], `tls_config.${key}`);
}

/** The rewritten configuration as YAML text, ready for -promscrape.config. */
export function loopbackScrapeConfig(
  text: string,
  file: string,
  mapping: Record<string, JobMapping>,
  closedPort: number,
): string {
  const doc = parseScrapeConfig(text, file);
  const names = doc.scrape_configs.map(j => j.job_name);
  const unknown = Object.keys(mapping).filter(n => !names.includes(n));
  if (unknown.length) throw new Error(`${file} has no job ${unknown.join(", ")} (jobs: ${names.join(", ")})`);
  for (const job of doc.scrape_configs) {
    const m = mapping[job.job_name];
    if (!m) throw new Error(`${file}: job ${job.job_name} is not mapped by the test (run it here or mark it down)`);
    const target = "down" in m ? `127.0.0.1:${closedPort}` : m.target;
    const labels = "down" in m ? undefined : m.labels;
    delete job.kubernetes_sd_configs;
    job.static_configs = [{ targets: [target], ...(labels ? { labels } : {}) }];
    job.relabel_configs = (job.relabel_configs ?? []).filter(r => !readsKubernetesMeta(r));
    if (!job.relabel_configs.length) delete job.relabel_configs;
    if ("down" in m) {
      // A closed port answers nothing whatever the scheme; credentials are not needed to be refused.
      delete job.bearer_token_file;
      delete job.tls_config;
      job.scheme = "http";
    } else rewriteFiles(job, m.files ?? {});
  }
  return stringify(doc);
}
