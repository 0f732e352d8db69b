import { RunsSummary, Sample, summarizeRuns } from "../lib/load";
import { median, round, summarize } from "../lib/stats";
import { PEERS, Peer, SHAPES } from "./shapes";

/** One timed run: one peer, one concurrency level, one round. */
export interface Run {
  peer: Peer;
  concurrency: number;
  round: number;
  samples: Sample[];
  elapsedMs: number;
  load1: number;
  apiserverCpuSeconds: number;
  /** the webhook process's CPU time during the run; undefined for the peers that run inside the API server */
  peerCpuSeconds?: number;
}

export interface PeerSummary extends RunsSummary {
  byShape: Record<string, { p50: number; p99: number }>;
  /** CPU time per request: the webhook process's, and kube-apiserver's */
  cpuMsPerRequest: { webhook?: number; apiserver: number };
}

export function summarizePeer(runs: Run[]): PeerSummary {
  const base = summarizeRuns(runs);
  const ok = runs.flatMap(r => r.samples).filter(s => !s.error);
  const perReq = (sec: number) => round((sec * 1000) / Math.max(1, base.requests), 3);
  const webhook = runs.every(r => r.peerCpuSeconds !== undefined)
    ? perReq(runs.reduce((t, r) => t + (r.peerCpuSeconds ?? 0), 0))
    : undefined;
  return {
    ...base,
    byShape: Object.fromEntries(
      SHAPES.map((sh, i) => {
        const s = summarize(ok.filter(x => x.shape === i).map(x => x.ms));
        return [sh.label, { p50: s.p50, p99: s.p99 }];
      }),
    ),
    cpuMsPerRequest: { webhook, apiserver: perReq(runs.reduce((t, r) => t + r.apiserverCpuSeconds, 0)) },
  };
}

export type PeerComparison = PeerSummary & { addedP50Ms: number; addedP99Ms: number; medianRoundAddedP99Ms: number };

export interface LevelComparison {
  concurrency: number;
  /** the peers timed in this run ("pss", the base, always) */
  peers: Partial<Record<Peer, PeerComparison>>;
}

const timedPeers = (c: LevelComparison) => PEERS.filter(p => c.peers[p]);

/** Per level: each peer's numbers and what it adds over (a), the built-in plugin, overall and round by round. */
export function compare(runs: Run[], levels: number[]): LevelComparison[] {
  return levels.map(concurrency => {
    const of = (p: Peer) => runs.filter(r => r.peer === p && r.concurrency === concurrency);
    const base = summarizePeer(of("pss"));
    const baseRounds = base.rounds;
    const peers = Object.fromEntries(
      PEERS.filter(p => of(p).length).map(p => {
        const s = p === "pss" ? base : summarizePeer(of(p));
        return [
          p,
          {
            ...s,
            addedP50Ms: round(s.latencyMs.p50 - base.latencyMs.p50),
            addedP99Ms: round(s.latencyMs.p99 - base.latencyMs.p99),
            // Rounds of one level ran back to back, so a round's pair shares the machine's load of the moment.
            medianRoundAddedP99Ms: round(median(s.rounds.map((r, i) => r.p99 - (baseRounds[i]?.p99 ?? NaN)))),
          },
        ];
      }),
    );
    return { concurrency, peers };
  });
}

export function printTable(
  comparison: LevelComparison[],
  memory: Record<string, { rssMiB: number; peakRssMiB: number }>,
): void {
  const rows = [
    ["conc", "peer", "p50 ms", "p99 ms", "+p50", "+p99", "req/s", "errors", "cpu ms/req (webhook, apiserver)"],
  ];
  for (const l of comparison)
    for (const p of timedPeers(l)) {
      const s = l.peers[p]!;
      rows.push([
        String(l.concurrency),
        p,
        String(s.latencyMs.p50),
        String(s.latencyMs.p99),
        String(s.addedP50Ms),
        String(s.addedP99Ms),
        String(s.rps),
        String(s.errors),
        `${s.cpuMsPerRequest.webhook ?? "-"}, ${s.cpuMsPerRequest.apiserver}`,
      ]);
    }
  const widths = rows[0].map((_, i) => Math.max(...rows.map(r => r[i].length)));
  process.stdout.write(rows.map(r => r.map((c, i) => c.padStart(widths[i])).join("  ")).join("\n") + "\n");
  process.stdout.write(`memory: ${JSON.stringify(memory)}\n`);
}
