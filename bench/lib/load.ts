import type { IncomingHttpHeaders } from "node:http";
import { Agent, request } from "node:https";
import { LatencySummary, nowMs, round, summarize } from "./stats";

/** One request to send: the path and the body (built per request by the caller). */
export interface LoadRequest {
  path: string;
  body: Buffer;
  /** Index into the caller's templates, for per-shape statistics. */
  shape: number;
  uid: string;
}

export interface Sample {
  shape: number;
  ms: number;
  /** undefined when the request failed (see error) */
  allowed?: boolean;
  error?: string;
}

export interface LoadRunResult {
  samples: Sample[];
  elapsedMs: number;
}

/** Rounds of one load level, summed up: failed requests counted by kind and left out of the latencies. */
export interface RunsSummary {
  requests: number;
  errors: number;
  errorKinds: Record<string, number>;
  rps: number;
  latencyMs: LatencySummary;
  /** per round: p50/p99 and load, to show the spread */
  rounds: { p50: number; p99: number; rps: number; load1: number }[];
}

export function summarizeRuns(runs: (LoadRunResult & { load1: number })[]): RunsSummary {
  const all = runs.flatMap(r => r.samples);
  const ok = all.filter(s => !s.error);
  const errorKinds: Record<string, number> = {};
  for (const s of all) if (s.error) errorKinds[s.error] = (errorKinds[s.error] ?? 0) + 1;
  const totalMs = runs.reduce((s, r) => s + r.elapsedMs, 0);
  return {
    requests: all.length,
    errors: all.length - ok.length,
    errorKinds,
    rps: round((all.length / totalMs) * 1000, 1),
    latencyMs: summarize(ok.map(s => s.ms)),
    rounds: runs.map(r => {
      const s = summarize(r.samples.filter(x => !x.error).map(x => x.ms));
      return { p50: s.p50, p99: s.p99, rps: round((r.samples.length / r.elapsedMs) * 1000, 1), load1: r.load1 };
    }),
  };
}

/** Turns an answer into a sample: allowed, denied, or an error. */
export type Judge = (
  status: number,
  body: Buffer,
  r: LoadRequest,
  /** the answer's headers: an API server's admission warnings come as `Warning` headers */
  headers: IncomingHttpHeaders,
) => { allowed?: boolean; error?: string };

/** A webhook's answer: HTTP 200 with an AdmissionReview response carrying the request's uid. */
export const admissionReviewJudge: Judge = (status, body, r) => {
  if (status !== 200) return { error: `HTTP ${status}` };
  try {
    const review = JSON.parse(body.toString("utf8")) as { response?: { uid?: string; allowed?: boolean } };
    if (review.response?.uid !== r.uid) return { error: "response uid mismatch" };
    return { allowed: review.response.allowed === true };
  } catch {
    return { error: "unparseable response" };
  }
};

export interface LoadOptions {
  port: number;
  ca: Buffer;
  /** a ready agent (e.g. with a client certificate); default: keep-alive, trusting `ca` */
  agent?: Agent;
  judge?: Judge;
  concurrency: number;
  durationMs: number;
  timeoutMs: number;
  next: (n: number) => LoadRequest;
}

export function sendOne(
  agent: Agent,
  port: number,
  timeoutMs: number,
  r: LoadRequest,
  /** when the request was due (open loop): latency counts from then, so a late send is not hidden */
  dueMs?: number,
  judge: Judge = admissionReviewJudge,
): Promise<Sample> {
  return new Promise<Sample>(resolve => {
    const t0 = dueMs ?? nowMs();
    let settled = false;
    const done = (s: Omit<Sample, "ms" | "shape">) => {
      if (settled) return;
      settled = true;
      resolve({ shape: r.shape, ms: nowMs() - t0, ...s });
    };
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: r.path,
        agent,
        headers: { "content-type": "application/json", "content-length": r.body.length },
        timeout: timeoutMs,
      },
      res => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => done(judge(res.statusCode ?? 0, Buffer.concat(chunks), r, res.headers)));
        res.on("error", e => done({ error: e.message }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", e => done({ error: e.message }));
    req.end(r.body);
  });
}

export const httpsAgent = (concurrency: number, ca: Buffer): Agent =>
  new Agent({ keepAlive: true, maxSockets: concurrency, ca, servername: "localhost" });

/**
 * A closed-loop load generator: `concurrency` clients over keep-alive HTTPS connections, each sending its
 * next request as soon as the previous answer arrived, for `durationMs`. Latency is measured from the
 * request's start to the last byte of the answer. An answer counts as an error unless it is HTTP 200 with
 * an AdmissionReview response carrying the request's uid.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadRunResult> {
  const agent = opts.agent ?? httpsAgent(opts.concurrency, opts.ca);
  const samples: Sample[] = [];
  let n = 0;
  const start = nowMs();
  const deadline = start + opts.durationMs;
  const client = async () => {
    while (nowMs() < deadline)
      samples.push(await sendOne(agent, opts.port, opts.timeoutMs, opts.next(n++), undefined, opts.judge));
  };
  await Promise.all(Array.from({ length: opts.concurrency }, client));
  const elapsedMs = nowMs() - start;
  if (!opts.agent) agent.destroy();
  return { samples, elapsedMs };
}

export interface OpenLoadOptions extends Omit<LoadOptions, "concurrency"> {
  ratePerSec: number;
  /** connections and requests in flight at most; a request due beyond it waits (and its wait counts) */
  maxInFlight: number;
}

/**
 * An open-loop load generator: requests are due at a fixed rate whatever the answers do, and latency is
 * measured from the moment a request was due (no coordinated omission). Below the server's capacity this
 * shows the time a request takes without a queue in front of it.
 */
export async function runOpenLoad(opts: OpenLoadOptions): Promise<LoadRunResult> {
  const agent = opts.agent ?? httpsAgent(opts.maxInFlight, opts.ca);
  const samples: Sample[] = [];
  const pending = new Set<Promise<void>>();
  const start = nowMs();
  const interval = 1000 / opts.ratePerSec;
  let n = 0;
  while (true) {
    const due = start + n * interval;
    if (due >= start + opts.durationMs) break;
    const now = nowMs();
    if (due > now) await new Promise(r => setTimeout(r, Math.max(0, Math.floor(due - now))));
    while (pending.size >= opts.maxInFlight) await Promise.race(pending);
    const p: Promise<void> = sendOne(agent, opts.port, opts.timeoutMs, opts.next(n), due, opts.judge).then(s => {
      samples.push(s);
      pending.delete(p);
    });
    pending.add(p);
    n++;
  }
  await Promise.all(pending);
  const elapsedMs = nowMs() - start;
  if (!opts.agent) agent.destroy();
  return { samples, elapsedMs };
}
