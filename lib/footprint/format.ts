import { refText } from "../../capabilities/k8s/object";
import type { NamespaceFootprint } from "./compute";
import { MAC_MINI } from "./verdict";
import type { FootprintReport } from "./collect";

const cores = (v: number) => (v ? `${Math.round(v * 1000)}m` : "0");
const mem = (bytes: number) =>
  bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)}Gi` : `${Math.round(bytes / 2 ** 20)}Mi`;
const unb = (n: number) => (n ? ` +${n} unbounded` : "");

/** The table `bonsai footprint` prints: per namespace, the total, the verdict and what was not counted. */
export function formatFootprint(r: FootprintReport, details = false): string {
  const row = (n: NamespaceFootprint) => [
    n.namespace,
    String(n.pods),
    cores(n.requests.cpu),
    cores(n.limits.cpu) + unb(n.limits.cpuUnbounded),
    mem(n.requests.memory),
    mem(n.limits.memory) + unb(n.limits.memoryUnbounded),
    mem(n.storage),
  ];
  const rows = [
    ["NAMESPACE", "PODS", "CPU REQ", "CPU LIM", "MEM REQ", "MEM LIM", "STORAGE"],
    ...r.footprint.namespaces.map(row),
    row(r.footprint.total),
  ];
  const table = (rs: string[][]) => {
    const w = rs[0].map((_, i) => Math.max(...rs.map(x => x[i].length)));
    return rs.map(x => x.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ")).join("\n");
  };
  const out = [table(rows), ""];
  if (details) {
    const wrows = [["WORKLOAD", "PODS (FROM)", "CPU REQ", "MEM REQ", "MEM LIM", "STORAGE"]];
    for (const w of r.footprint.workloads)
      wrows.push([
        refText(w),
        `${w.pods} (${w.podsFrom})`,
        cores(w.requests.cpu),
        mem(w.requests.memory),
        mem(w.limits.memory) + unb(w.limits.memoryUnbounded),
        mem(w.storage),
      ]);
    out.push(table(wrows), "");
  }
  const v = r.verdict;
  out.push(
    v.fits
      ? `FITS: ${v.memoryRequestsGiB} GiB of memory requests, ${v.headroomGiB} GiB under the ${MAC_MINI.memoryRequestsTargetGiB} GiB target; ${v.cpuRequests} CPU requested.`
      : `DOES NOT FIT: ${v.memoryRequestsGiB} GiB of memory requests, ${-v.headroomGiB} GiB over the ${MAC_MINI.memoryRequestsTargetGiB} GiB target; ${v.cpuRequests} CPU requested.`,
  );
  for (const reason of v.reasons) out.push(`  - ${reason}`);
  out.push(`Counted: ${r.sources.join(", ") || "nothing"}`);
  if (r.notCounted.length) {
    out.push("Not counted (the numbers above are a lower bound):");
    for (const n of r.notCounted) out.push(`  - ${n}`);
  }
  return out.join("\n") + "\n";
}
