import { readFileSync, existsSync } from "node:fs";
import { request } from "node:https";
import { Check, fail, pass, skip } from "./runner";
import { secretValue, SmokeKubectl } from "./kube";
import type { DataTargets } from "./data-checks";

const GRAFANA = "grafana.bonsai.local";

/** GET on Grafana through the ingress (HTTPS, the local CA), as admin; the parsed JSON body. */
function grafanaGet(
  t: DataTargets,
  path: string,
  auth: string,
  signal: AbortSignal,
): Promise<{ status: number; body: unknown }> {
  const at = t.https!.lastIndexOf(":");
  const ca = existsSync(t.caFile) ? readFileSync(t.caFile) : undefined;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: t.https!.slice(0, at),
        port: Number(t.https!.slice(at + 1)),
        path,
        servername: GRAFANA,
        ca,
        signal,
        headers: { host: GRAFANA, authorization: `Basic ${auth}` },
      },
      res => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += text.length < 1024 * 1024 ? c : ""));
        res.on("end", () => {
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* not JSON: kept as text */
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** Grafana's Loki data source (uid loki) is healthy and holds log lines from the last 10 minutes. */
export function lokiCheck(kubectl: SmokeKubectl, t: DataTargets, timeoutMs: number): Check {
  return {
    component: "Grafana / Loki",
    check: "the Loki data source is healthy and holds recent log lines",
    run: async signal => {
      if (!t.containers || !t.https)
        return skip("skipped: the embedded plane's pods are kwok fakes (no Grafana, no Loki)");
      const password = secretValue(kubectl, "monitoring", "grafana-admin", "password", timeoutMs);
      if (password === undefined)
        return fail("Secret monitoring/grafana-admin key password is missing", "create it (docs/bootstrap.md)");
      const auth = Buffer.from(`admin:${password}`).toString("base64");
      const health = await grafanaGet(t, "/api/datasources/uid/loki/health", auth, signal);
      const status = (health.body as { status?: string; message?: string }) ?? {};
      if (health.status !== 200 || status.status !== "OK")
        return fail(
          `health: HTTP ${health.status} ${status.message ?? ""}`.trim(),
          "kubectl -n monitoring get pods; is Loki Ready (its /ready)?",
        );
      const q = encodeURIComponent('{namespace=~".+"}');
      const since = `${(Date.now() - 10 * 60_000) * 1e6}`;
      const logs = await grafanaGet(
        t,
        `/api/datasources/proxy/uid/loki/loki/api/v1/query_range?query=${q}&limit=5&start=${since}`,
        auth,
        signal,
      );
      const result = (logs.body as { data?: { result?: unknown[] } })?.data?.result ?? [];
      return result.length > 0
        ? pass(`healthy; ${result.length} streams with lines from the last 10 minutes`)
        : fail(
            "healthy, but no log line from the last 10 minutes",
            "kubectl -n monitoring logs ds/alloy: is the collector shipping to Loki?",
          );
    },
  };
}
