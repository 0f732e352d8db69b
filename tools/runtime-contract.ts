import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

/**
 * The runtime contract (docs/runtime-contract.yaml) and the table of docs/runtime-contract.md generated from it.
 * `npx tsx tools/runtime-contract.ts --write` regenerates the table; test/repo/runtime-contract.test.ts fails
 * when the doc and the data disagree, and holds the manifests to the data.
 */
export interface ContractEntry {
  workload: string;
  variant?: string;
  container: string;
  image: string;
  user: string;
  writes: string[];
  /** Env names the image reads, or "pgbouncer-entrypoint": the list of test/support/real/pgbouncer-config.ts. */
  env: string[] | "pgbouncer-entrypoint";
  envPrefixes?: string[];
  files?: string[];
  ports: number[];
  probePaths: string[];
  proof: "real" | "parser" | "contract";
  provedBy?: string;
  sources: string[];
  notes?: string;
}

const ROOT = join(__dirname, "..");
export const CONTRACT_FILE = join(ROOT, "docs", "runtime-contract.yaml");
export const CONTRACT_DOC = join(ROOT, "docs", "runtime-contract.md");
export const BEGIN = "<!-- runtime-contract table: generated from runtime-contract.yaml -->";
export const END = "<!-- end of generated table -->";

export function readContract(file = CONTRACT_FILE): ContractEntry[] {
  const data = parse(readFileSync(file, "utf8")) as unknown;
  if (!Array.isArray(data)) throw new Error(`${file}: expected a list of entries`);
  return data as ContractEntry[];
}

const cell = (s: string) => s.split("|").join("\\|");
const code = (xs: (string | number)[]) => (xs.length ? xs.map(x => `\`${x}\``).join(", ") : "—");

export function renderTable(entries: ContractEntry[]): string {
  const head = [
    "| Workload (container) | Image | User | Writes (on volumes) | Reads | Ports | Probe paths | Proof | Sources |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  const rows = entries.map(e => {
    const env = e.env === "pgbouncer-entrypoint" ? ["the entrypoint's DB_*/AUTH_*/POOL_* … list"] : e.env;
    const reads = [...env, ...(e.envPrefixes ?? []).map(p => `${p}*`), ...(e.files ?? [])];
    const where = `${e.workload} (${e.container})${e.variant ? `, variant ${e.variant}` : ""}`;
    const proof = e.provedBy ? `${e.proof}: \`${e.provedBy}\`` : e.proof;
    const sources = [...e.sources, ...(e.notes ? [`Note: ${e.notes}`] : [])].join("<br>");
    return `| ${cell(where)} | \`${e.image}\` | ${e.user} | ${code(e.writes)} | ${code(reads)} | ${code(e.ports)} | ${code(e.probePaths)} | ${proof} | ${cell(sources)} |`;
  });
  return [BEGIN, ...head, ...rows, END].join("\n");
}

/** The doc with its generated table replaced by the one `entries` render. */
export function withTable(doc: string, entries: ContractEntry[]): string {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${CONTRACT_DOC}: the markers of the generated table are missing`);
  return doc.slice(0, start) + renderTable(entries) + doc.slice(end + END.length);
}

if (require.main === module && process.argv.includes("--write")) {
  writeFileSync(CONTRACT_DOC, withTable(readFileSync(CONTRACT_DOC, "utf8"), readContract()));
  process.stdout.write(`wrote ${CONTRACT_DOC}\n`);
}
