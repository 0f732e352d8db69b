/**
 * pgAdmin from PyPI at the image's version (a cached venv with gunicorn at the image's pin), started from the
 * pgAdmin Deployment's env the way dpage/pgadmin4's entrypoint (REL-9_8 pkg/docker/entrypoint.sh) starts it:
 *
 *   const pga = await startPgAdmin({ objects, secrets });
 *   await pgadminLogin(pga, email, password);   // the login page, then a POST of its form: true when accepted
 *   await pga.stop();
 *
 * As the entrypoint: config_distro.py written at PGADMIN_CUSTOM_CONFIG_DISTRO_FILE (default
 * /pgadmin4/config_distro.py, on the image's root filesystem) with its defaults and every PGADMIN_CONFIG_* line;
 * PGADMIN_DEFAULT_EMAIL checked with pgAdmin's own validate_email and the entrypoint's e-mail settings (it exits
 * when that says False); the configuration database initialised with the default user; gunicorn serving
 * run_pgadmin:app. Paths it writes (that file, /var/lib/pgadmin) must be on volumes of the manifest. `warnings`
 * lists what the entrypoint would do that fails under the platform's securityContext without stopping it
 * (`sudo postfix start` when PGADMIN_DISABLE_POSTFIX is unset: sudo refuses under no_new_privs).
 * Only differences: loopback and a free port; DATA_DIR points into the state directory.
 */
import { readdirSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { basename, dirname, join } from "node:path";
import { KubeObject } from "../../../capabilities/k8s/object";
import { containerEnv, containerOf, imageTag, SecretValues } from "./manifests";
import { freePort, RealProcess, stopAndRemove, withStateDir, runToCompletion, spawnReal } from "./process";
import { pythonVenv } from "./python-venv";
import { mapIntoState } from "./volumes";

/** The image's gunicorn pin (its Dockerfile). */
const GUNICORN = "gunicorn==23.0.0";

export interface PgAdmin {
  url: string;
  email: string;
  warnings: string[];
  configDistro: string;
  process: RealProcess;
  stop(): Promise<void>;
}

export function pgadminVenv(version: string): { venv: string; app: string } {
  const venv = pythonVenv(`pgadmin4-${version}`, [`pgadmin4==${version}`, GUNICORN]);
  const lib = join(venv, "lib");
  const python = readdirSync(lib).find(d => d.startsWith("python"));
  if (!python) throw new Error(`no python folder under ${lib}`);
  return { venv, app: join(lib, python, "site-packages", "pgadmin4") };
}

/** The entrypoint's config_distro.py: its defaults, then `NAME = value` for every PGADMIN_CONFIG_NAME. */
export function entrypointConfigDistro(env: Record<string, string>): string {
  const lines = [
    "CA_FILE = '/etc/ssl/certs/ca-certificates.crt'",
    "LOG_FILE = '/dev/null'",
    "HELP_PATH = '../../docs'",
  ];
  for (const [k, v] of Object.entries(env)) if (k.startsWith("PGADMIN_CONFIG_")) lines.push(`${k.slice(15)} = ${v}`);
  return lines.join("\n") + "\n";
}

/** The image's tag is X.Y (pgAdmin's version, web/version.py); PyPI's version is the same string. */
const pypiVersion = (tag: string) => tag;

export async function startPgAdmin(opts: {
  objects: KubeObject[];
  secrets: SecretValues;
  deployment?: string;
  timeoutMs?: number;
}): Promise<PgAdmin> {
  const w = containerOf(opts.objects, "Deployment", opts.deployment ?? "pgadmin");
  const env = containerEnv(w, opts.objects, opts.secrets);
  const where = `${w.kind}/${w.name}`;
  const email = env.PGADMIN_DEFAULT_EMAIL ?? "";
  if (!email || !env.PGADMIN_DEFAULT_PASSWORD)
    throw new Error(`${where}: PGADMIN_DEFAULT_EMAIL and PGADMIN_DEFAULT_PASSWORD are required by the entrypoint`);
  const { venv, app } = pgadminVenv(pypiVersion(imageTag(w.container.image)));
  const python = join(venv, "bin", "python3");
  return withStateDir("pgadmin", async state => {
    const timeoutMs = opts.timeoutMs ?? 120_000;
    const distroPath = env.PGADMIN_CUSTOM_CONFIG_DISTRO_FILE || "/pgadmin4/config_distro.py";
    const distro = join(mapIntoState(w, dirname(distroPath), state), basename(distroPath));
    const dataDir = mapIntoState(w, "/var/lib/pgadmin", state);
    const configDistro = entrypointConfigDistro(env);
    writeFileSync(distro, `${configDistro}DATA_DIR = '${dataDir}'\n`);
    validateEmail(python, app, email, env, where);
    const launcher = join(state, "launcher");
    runToCompletion("mkdir", "mkdir", [launcher], { timeoutMs: 5000 });
    // What the image's run_pgadmin.py does: server mode, then the Flask app.
    writeFileSync(
      join(launcher, "run_pgadmin.py"),
      "import builtins\nbuiltins.SERVER_MODE = True\nfrom pgAdmin4 import app\n",
    );
    const pyEnv = { CONFIG_DISTRO_FILE_PATH: distro, PYTHONPATH: `${app}:${launcher}`, HOME: state };
    runToCompletion(
      "pgAdmin configuration database set-up (run_pgadmin.py)",
      python,
      [join(launcher, "run_pgadmin.py")],
      {
        env: { ...pyEnv, PGADMIN_SETUP_EMAIL: email, PGADMIN_SETUP_PASSWORD: env.PGADMIN_DEFAULT_PASSWORD },
        cwd: app,
        timeoutMs,
      },
    );
    const warnings = env.PGADMIN_DISABLE_POSTFIX
      ? []
      : [
          `${where}: PGADMIN_DISABLE_POSTFIX is unset, so the entrypoint runs "sudo /usr/sbin/postfix start", which sudo refuses under allowPrivilegeEscalation: false`,
        ];
    const port = await freePort();
    const proc = spawnReal({
      name: "pgadmin",
      command: python,
      args: [
        "-m",
        "gunicorn",
        "--bind",
        `127.0.0.1:${port}`,
        "-w",
        "1",
        "--threads",
        "25",
        "--access-logfile",
        "-",
        "run_pgadmin:app",
      ],
      env: pyEnv,
      cwd: app,
      stateDir: state,
    });
    const url = `http://127.0.0.1:${port}`;
    const probe =
      (w.container.readinessProbe as { httpGet?: { path?: string } } | undefined)?.httpGet?.path ?? "/misc/ping";
    await proc.waitReady(
      `pgAdmin answers ${probe}`,
      async () => (await httpGet(url + probe)).status === 200,
      timeoutMs,
    );
    return {
      url,
      email,
      warnings,
      configDistro,
      process: proc,
      stop: stopAndRemove(proc, state),
    };
  });
}

/** The entrypoint's check, with pgAdmin's validate_email; throws the entrypoint's message when it says False. */
function validateEmail(python: string, app: string, email: string, env: Record<string, string>, where: string): void {
  const settings = {
    CHECK_EMAIL_DELIVERABILITY: env.PGADMIN_CONFIG_CHECK_EMAIL_DELIVERABILITY || "False",
    ALLOW_SPECIAL_EMAIL_DOMAINS: env.PGADMIN_CONFIG_ALLOW_SPECIAL_EMAIL_DOMAINS || "[]",
    GLOBALLY_DELIVERABLE: env.PGADMIN_CONFIG_GLOBALLY_DELIVERABLE || "True",
  };
  const code = [
    "import ast, sys",
    "from validation_utils import validate_email",
    "cfg = {k: ast.literal_eval(v) for k, v in zip(sys.argv[2::2], sys.argv[3::2])}",
    "print(validate_email(sys.argv[1], cfg))",
  ].join("\n");
  const args = ["-c", code, email, ...Object.entries(settings).flat()];
  const out = runToCompletion("pgAdmin validate_email", python, args, {
    cwd: join(app, "pgadmin", "utils"),
    timeoutMs: 30_000,
  });
  if (out.includes("False"))
    throw new Error(
      `${where}: '${email}' does not appear to be a valid email address (pgAdmin's entrypoint exits 1): ` +
        `set env PGADMIN_DEFAULT_EMAIL to an address on a domain that is not special-use (not .local, .test, .localhost, ...)`,
    );
}

export interface HttpAnswer {
  status: number;
  location?: string;
  body: string;
  cookies: string[];
}

export function httpGet(url: string, headers: Record<string, string> = {}, body?: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: body === undefined ? "GET" : "POST", headers, timeout: 10_000 }, res => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += text.length < 4 * 1024 * 1024 ? chunk : ""));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          location: res.headers.location,
          body: text,
          cookies: (res.headers["set-cookie"] ?? []).map(c => c.split(";")[0]),
        }),
      );
    });
    req.on("timeout", () => req.destroy(new Error(`${url}: no answer within 10 s`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** GETs the login page, POSTs its form; `page` is the login page's status, `accepted` whether it sent us on. */
export async function pgadminLogin(pga: { url: string }, email: string, password: string) {
  const page = await httpGet(`${pga.url}/login`);
  const token = page.body.match(/"csrfToken": "([^"]{1,512})"/)?.[1];
  if (!token) throw new Error(`pgAdmin's login page (${page.status}) carries no csrfToken`);
  const form = new URLSearchParams({ csrf_token: token, email, password, language: "en", internal_button: "Login" });
  const answer = await httpGet(
    `${pga.url}/authenticate/login`,
    { "content-type": "application/x-www-form-urlencoded", cookie: page.cookies.join("; ") },
    form.toString(),
  );
  return {
    page: page.status,
    loginPage: page.body,
    accepted: answer.status === 302 && /\/browser\/?$/.test(answer.location ?? ""),
  };
}
