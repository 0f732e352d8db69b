import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { adminAgentFor } from "../lib/admin-agent";
import { Judge, LoadRequest, runLoad, RunsSummary, Sample, sendOne, summarizeRuns } from "../lib/load";
import { load1 } from "../lib/machine";
import { admissionShapes, BENCH_NAMESPACE } from "../lib/objects";
import { log, REPO_ROOT, WORK_DIR } from "../lib/results";
import type { ModuleWebhookRules } from "../lib/pepr-module";
import { round } from "../lib/stats";

/** The part of tools/controlplane/controlplane.ts (another engineer's harness) this benchmark uses. */
interface ControlPlaneLike {
  server: string;
  kubeconfig: string;
  kubectl(args: string[], input?: string): { code: number; stdout: string; stderr: string };
  stop(): Promise<void>;
}
interface ControlPlaneModule {
  ControlPlane: {
    start(opts: { stateDir: string; kwok?: boolean; progress?: (m: string) => void }): Promise<ControlPlaneLike>;
  };
}
interface BinariesModule {
  KUBERNETES_VERSION: string;
  ETCD_VERSION: string;
}

export interface WebhookTarget {
  name: "guardrails" | "noop";
  port: number;
  apiPath: string;
  /** The module's own rules (moduleWebhookRules): which operations reach which of its two webhooks. */
  rules: ModuleWebhookRules;
}

export type Phase = "none" | "noop" | "guardrails";

export interface ApiServerPhaseResult extends RunsSummary {
  phase: Phase;
  concurrency: number;
  denied: number;
}

/** Why the API-server part cannot run now, or undefined when it can (without building anything). */
export function apiServerUnavailable(): string | undefined {
  const harness = join(REPO_ROOT, "tools", "controlplane", "controlplane.ts");
  const binaries = join(REPO_ROOT, "tools", "controlplane", "binaries.ts");
  if (!existsSync(harness) || !existsSync(binaries))
    return "the embedded control plane (tools/controlplane/) is not in the tree";
  return undefined;
}

async function builtBinaries(): Promise<string | undefined> {
  const b = (await import(join(REPO_ROOT, "tools", "controlplane", "binaries.ts"))) as BinariesModule;
  const cache = process.env.BONSAI_CACHE ?? join(process.env.HOME ?? "", ".cache", "bonsai");
  const missing = [`kube-${b.KUBERNETES_VERSION}`, `etcd-${b.ETCD_VERSION}`].filter(
    d => !existsSync(join(cache, d, ".complete")),
  );
  // Building Kubernetes takes 7-20 minutes on 2 cores: a benchmark must not start that as a side effect.
  return missing.length ? `not built yet: ${missing.join(", ")} (run the e2e tests or bonsai up once)` : undefined;
}

/** The kinds the benches create. */
const BENCH_RESOURCES = new Set(["pods", "deployments"]);

/**
 * The module's URL webhooks with the rules `pepr build` generated for it, for the kinds the benches create, in the
 * bench namespace (or the namespaces `namespaceSelector` picks). Only those kinds: the peers bench relabels its
 * namespace between phases, which the module's namespace-labels policy would rightly refuse. A kind of webhook
 * the module has no such rule for is not registered.
 */
export const webhookConfigs = (
  t: WebhookTarget,
  caBundle: string,
  namespaceSelector: Record<string, unknown> = { matchLabels: { "kubernetes.io/metadata.name": BENCH_NAMESPACE } },
) => {
  const client = (kind: "mutate" | "validate") => ({
    url: `https://127.0.0.1:${t.port}/${kind}/${t.apiPath}`,
    caBundle,
  });
  const common = {
    admissionReviewVersions: ["v1"],
    sideEffects: "None",
    failurePolicy: "Fail",
    timeoutSeconds: 10,
    namespaceSelector,
  };
  const benchRules = (rules: WebhookTarget["rules"]["mutate"]) =>
    rules.filter(r => r.resources.some(x => BENCH_RESOURCES.has(x)));
  const configs = [
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "MutatingWebhookConfiguration",
      metadata: { name: "bench-admission" },
      webhooks: [
        {
          name: `${t.name}.mutate.bench.bonsai.dev`,
          clientConfig: client("mutate"),
          rules: benchRules(t.rules.mutate),
          reinvocationPolicy: "Never",
          ...common,
        },
      ],
    },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: "bench-admission" },
      webhooks: [
        {
          name: `${t.name}.validate.bench.bonsai.dev`,
          clientConfig: client("validate"),
          rules: benchRules(t.rules.validate),
          ...common,
        },
      ],
    },
  ];
  return configs.filter(c => c.webhooks[0].rules.length > 0);
};

/** 201: admitted (dry run); a webhook's denial (4xx, "admission webhook … denied the request"): denied; else an error. */
const createJudge: Judge = (status, body) => {
  if (status === 201) return { allowed: true };
  const text = body.toString("utf8");
  if (status >= 400 && status < 500 && /admission webhook .* denied the request/.test(text)) return { allowed: false };
  let message = text.slice(0, 120);
  try {
    message = (JSON.parse(text) as { message?: string }).message?.slice(0, 120) ?? message;
  } catch {
    /* keep the raw text */
  }
  return { error: `HTTP ${status}: ${message}` };
};

const SHAPES = admissionShapes();

function requestFor(n: number): LoadRequest {
  const shape = n % SHAPES.length;
  const obj = SHAPES[shape][1];
  const path =
    obj.kind === "Pod"
      ? `/api/v1/namespaces/${BENCH_NAMESPACE}/pods?dryRun=All`
      : `/apis/apps/v1/namespaces/${BENCH_NAMESPACE}/deployments?dryRun=All`;
  return { path, body: Buffer.from(JSON.stringify(obj)), shape, uid: "" };
}

/**
 * `dryRun=All` creates through the embedded kube-apiserver (admission plugins as in a real cluster), with no
 * webhooks, then the no-op module's, then the guardrails' registered as URL webhooks pointing at the controllers
 * the direct benchmark already runs. Phases alternate each round, per concurrency level.
 */
export async function apiServerBench(opts: {
  targets: WebhookTarget[];
  webhookCert: Buffer;
  levels: number[];
  rounds: number;
  durationMs: number;
  warmupMs: number;
}): Promise<
  | { status: "pending"; reason: string }
  | { status: "done"; server: string; shapes: string[]; results: ApiServerPhaseResult[]; comparison: unknown[] }
> {
  const unavailable = apiServerUnavailable() ?? (await builtBinaries());
  if (unavailable) return { status: "pending", reason: unavailable };
  const mod = (await import(join(REPO_ROOT, "tools", "controlplane", "controlplane.ts"))) as ControlPlaneModule;
  log("starting the embedded control plane (etcd + kube-apiserver + controller-manager + scheduler)");
  const stateDir = join(WORK_DIR, "controlplane");
  rmSync(stateDir, { recursive: true, force: true }); // a fresh cluster every run: no leftover webhooks or data
  const cp = await mod.ControlPlane.start({
    stateDir,
    kwok: false,
    progress: m => log(`control plane: ${m}`),
  });
  try {
    const port = Number(new URL(cp.server).port);
    const must = (args: string[], input?: string) => {
      const r = cp.kubectl(args, input);
      if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
      return r.stdout;
    };
    must(["create", "namespace", BENCH_NAMESPACE]);
    must(["create", "serviceaccount", "large", "-n", BENCH_NAMESPACE]); // the large pod's serviceAccountName
    // The ServiceAccount admission plugin refuses pods until the namespace's default ServiceAccount exists.
    for (let i = 0; cp.kubectl(["get", "serviceaccount", "default", "-n", BENCH_NAMESPACE]).code !== 0; i++) {
      if (i > 120) throw new Error("no default ServiceAccount after 60 s");
      await new Promise(r => setTimeout(r, 500));
    }
    const caBundle = opts.webhookCert.toString("base64");
    const agentFor = adminAgentFor(cp.kubeconfig);
    const probe = agentFor(1);
    const setPhase = async (phase: Phase) => {
      cp.kubectl([
        "delete",
        "mutatingwebhookconfiguration,validatingwebhookconfiguration",
        "bench-admission",
        "--ignore-not-found",
      ]);
      const target = opts.targets.find(t => t.name === phase);
      if (target)
        must(
          ["apply", "-f", "-"],
          webhookConfigs(target, caBundle)
            .map(o => JSON.stringify(o))
            .join("\n"),
        );
      // The API server picks webhook configurations up from an informer: wait until the privileged pod gets
      // the verdict this phase must give (denied by the guardrails, admitted otherwise), twice in a row.
      const privileged = requestFor(2);
      let ok = 0;
      let last: Sample | undefined;
      for (let i = 0; ok < 2; i++) {
        if (i > 100)
          throw new Error(`phase ${phase}: webhooks not in effect after 20 s (last answer: ${JSON.stringify(last)})`);
        const s = (last = await sendOne(probe, port, 15_000, privileged, undefined, createJudge));
        const expected = phase === "guardrails" ? false : true;
        ok = s.allowed === expected ? ok + 1 : 0;
        if (ok < 2) await new Promise(r => setTimeout(r, 200));
      }
    };
    const phases: Phase[] = ["none", "noop", "guardrails"];
    const results: ApiServerPhaseResult[] = [];
    for (const c of opts.levels) {
      const agent = agentFor(c);
      const runs: Record<Phase, { samples: Sample[]; elapsedMs: number; load1: number }[]> = {
        none: [],
        noop: [],
        guardrails: [],
      };
      let seq = 0;
      const next = () => requestFor(seq++);
      for (let r = 0; r < opts.rounds; r++) {
        const order = r % 2 === 0 ? phases : [...phases].reverse();
        for (const phase of order) {
          await setPhase(phase);
          if (r === 0)
            await runLoad({
              port,
              ca: Buffer.alloc(0),
              agent,
              judge: createJudge,
              concurrency: c,
              durationMs: opts.warmupMs,
              timeoutMs: 15_000,
              next,
            });
          const res = await runLoad({
            port,
            ca: Buffer.alloc(0),
            agent,
            judge: createJudge,
            concurrency: c,
            durationMs: opts.durationMs,
            timeoutMs: 15_000,
            next,
          });
          runs[phase].push({ ...res, load1: load1() });
        }
      }
      agent.destroy();
      for (const phase of phases) {
        const ok = runs[phase].flatMap(x => x.samples).filter(s => !s.error);
        results.push({
          phase,
          concurrency: c,
          ...summarizeRuns(runs[phase]),
          denied: ok.filter(s => !s.allowed).length,
        });
      }
      const by = (p: Phase) => results.find(x => x.phase === p && x.concurrency === c)!;
      log(
        `API server c=${c}: ` +
          phases
            .map(
              p => `${p} p50 ${by(p).latencyMs.p50} p99 ${by(p).latencyMs.p99} ms ${by(p).rps}/s err ${by(p).errors}`,
            )
            .join(" | "),
      );
    }
    probe.destroy();
    cp.kubectl([
      "delete",
      "mutatingwebhookconfiguration,validatingwebhookconfiguration",
      "bench-admission",
      "--ignore-not-found",
    ]);
    const comparison = opts.levels.map(c => {
      const by = (p: Phase) => results.find(x => x.phase === p && x.concurrency === c)!;
      return {
        concurrency: c,
        noopAddsP50Ms: round(by("noop").latencyMs.p50 - by("none").latencyMs.p50),
        guardrailsAddP50MsOverNoop: round(by("guardrails").latencyMs.p50 - by("noop").latencyMs.p50),
        guardrailsAddP99MsOverNoop: round(by("guardrails").latencyMs.p99 - by("noop").latencyMs.p99),
        guardrailsOverNoneP50Ratio: round(by("guardrails").latencyMs.p50 / by("none").latencyMs.p50, 2),
      };
    });
    return {
      status: "done",
      server: "embedded kube-apiserver (tools/controlplane)",
      shapes: SHAPES.map(s => s[0]),
      results,
      comparison,
    };
  } finally {
    await cp.stop();
  }
}
