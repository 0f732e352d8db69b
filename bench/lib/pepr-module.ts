import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { request } from "node:https";
import { basename, dirname, join, relative } from "node:path";
import { parseObjects } from "../../lib/render";
import { REPO_ROOT, log } from "./results";
import type { TlsFiles } from "./tls";

/**
 * Builds a Pepr module with `npx pepr build -e <entry> -o <outDir>` (the module's package.json and
 * tsconfig.json sit next to its entry point) and returns the path of its bundle, `pepr-<uuid>.js`.
 * Built into a private directory, so a concurrent `npx pepr build` into dist/ cannot swap it mid-run.
 */
export function buildPeprModule(entry: string, outDir: string): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, dirname(entry), "package.json"), "utf8"));
  const bundle = join(outDir, `pepr-${pkg.pepr.uuid}.js`);
  mkdirSync(outDir, { recursive: true });
  log(`npx pepr build -e ${entry} -o ${relative(REPO_ROOT, outDir)}`);
  try {
    execFileSync("npx", ["--no-install", "pepr", "build", "-e", entry, "-o", outDir], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`pepr build of ${entry} failed: ${e.stderr || e.stdout || e.message}`);
  }
  if (!existsSync(bundle)) throw new Error(`pepr build of ${entry} did not write ${bundle}`);
  return bundle;
}

/** One admission rule of a webhook configuration, as `pepr build` writes it. */
export interface WebhookRule {
  apiGroups: string[];
  apiVersions: string[];
  operations: string[];
  resources: string[];
}

/** The rules of a built module's own webhooks (its first webhook of each kind), so a bench registers what Pepr would. */
export interface ModuleWebhookRules {
  mutate: WebhookRule[];
  validate: WebhookRule[];
}

/**
 * Reads the rules from the manifest `pepr build` writes beside the bundle (`pepr-module-<uuid>.yaml`): the rules
 * follow the module's bindings, so a bench that registers them calls the module exactly as a deployment would.
 */
export function moduleWebhookRules(bundle: string): ModuleWebhookRules {
  const uuid = basename(bundle)
    .replace(/^pepr-/, "")
    .replace(/\.js$/, "");
  const manifest = join(dirname(bundle), `pepr-module-${uuid}.yaml`);
  if (!existsSync(manifest)) throw new Error(`${manifest} is missing: build the module again (without --no-build)`);
  const rules: ModuleWebhookRules = { mutate: [], validate: [] };
  for (const o of parseObjects(readFileSync(manifest, "utf8"), manifest)) {
    const webhooks = (o as { webhooks?: { rules?: WebhookRule[] }[] }).webhooks;
    if (o.kind === "MutatingWebhookConfiguration") rules.mutate = webhooks?.[0]?.rules ?? [];
    if (o.kind === "ValidatingWebhookConfiguration") rules.validate = webhooks?.[0]?.rules ?? [];
  }
  return rules;
}

export interface RunningController {
  name: string;
  /** The bundle it runs (see moduleWebhookRules). */
  bundle: string;
  port: number;
  apiPath: string;
  child: ChildProcess;
  stop(): Promise<number | null>;
}

export interface ControllerOptions {
  name: string;
  bundle: string;
  port: number;
  tls: TlsFiles;
  kubeconfig: string;
  logFile: string;
  /** Directory for `node --cpu-prof` output, when profiling. */
  cpuProfDir?: string;
  /** File for loop-monitor.cjs's record of event-loop stalls and GC pauses, when monitoring. */
  monitorFile?: string;
  logLevel?: string;
  /** Processes sharing the port (bench/lib/replicas.cjs), like the admission Deployment's replicas; default 1. */
  replicas?: number;
}

function healthz(port: number, ca: Buffer): Promise<number> {
  return new Promise(resolve => {
    const req = request(
      { host: "127.0.0.1", port, path: "/healthz", method: "GET", ca, servername: "localhost", timeout: 1000 },
      res => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("error", () => resolve(0));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

/**
 * Runs a module bundle the way Pepr's admission Deployment runs it (PEPR_WATCH_MODE=false, LOG_LEVEL=info,
 * JSON logs, certificate and API path from the environment as `pepr dev` passes them), on its own port via
 * port-remap.cjs. Resolves when /healthz answers, i.e. after the Pepr store's first event bound the
 * admission endpoints.
 */
export async function startController(opts: ControllerOptions): Promise<RunningController> {
  const apiPath = randomBytes(32).toString("hex");
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const out = openSync(opts.logFile, "w");
  const execArgv = ["--require", join(REPO_ROOT, "bench", "lib", "port-remap.cjs")];
  if (opts.cpuProfDir) execArgv.push("--cpu-prof", `--cpu-prof-dir=${opts.cpuProfDir}`);
  if (opts.monitorFile) execArgv.push("--require", join(REPO_ROOT, "bench", "lib", "loop-monitor.cjs"));
  const replicas = opts.replicas ?? 1;
  const entry = replicas > 1 ? [join(REPO_ROOT, "bench", "lib", "replicas.cjs"), opts.bundle] : [opts.bundle];
  const child = spawn(process.execPath, [...execArgv, ...entry], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      KUBECONFIG: opts.kubeconfig,
      PEPR_WATCH_MODE: "false",
      PEPR_PRETTY_LOG: "false",
      LOG_LEVEL: opts.logLevel ?? "info",
      PEPR_API_PATH: apiPath,
      SSL_KEY_PATH: opts.tls.key,
      SSL_CERT_PATH: opts.tls.cert,
      BENCH_LISTEN_PORT: String(opts.port),
      ...(opts.monitorFile && { BENCH_MONITOR_FILE: opts.monitorFile }),
      ...(replicas > 1 && { BENCH_REPLICAS: String(replicas) }),
    },
    stdio: ["ignore", out, out],
  });
  closeSync(out);
  let exited: number | null | undefined;
  const exit = new Promise<number | null>(resolve =>
    child.on("exit", code => {
      exited = code;
      resolve(code);
    }),
  );
  const ca = readFileSync(opts.tls.cert);
  const deadline = Date.now() + 60_000;
  while ((await healthz(opts.port, ca)) !== 200) {
    if (exited !== undefined) throw new Error(`${opts.name} controller exited (${exited}); see ${opts.logFile}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`${opts.name} controller not ready after 60 s; see ${opts.logFile}`);
    }
    await new Promise(r => setTimeout(r, 200));
  }
  return {
    name: opts.name,
    bundle: opts.bundle,
    port: opts.port,
    apiPath,
    child,
    stop: async () => {
      if (exited !== undefined) return exited;
      child.kill("SIGTERM"); // Pepr closes its server and exits 143; --cpu-prof writes its profile then
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
  };
}
