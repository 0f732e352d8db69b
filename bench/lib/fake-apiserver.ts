import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";
import { writeFileSync } from "node:fs";
import type { KubeObject } from "../../capabilities/k8s/object";

/**
 * The few Kubernetes API calls an admission-mode Pepr controller makes, answered from memory over plain
 * HTTP on loopback, so the benchmark measures the webhook and not an API server:
 *
 * - the Pepr store (`pepr.dev/v1` PeprStore): get, patch, list and a watch that stays open. Pepr binds
 *   `/mutate` and `/validate` only after the store's first watch event;
 * - any other list (LimitRanges, Exemptions, …): the objects given for that resource, or an empty list;
 * - the writes the guardrails make as side effects of admission — denial Events (POST) and their
 *   PolicyReports (server-side apply, PATCH) — accepted as a real API server would, and counted;
 * - anything else: 404, counted, so a run shows whether the admission path calls the API per request.
 */
export interface FakeApiServer {
  url: string;
  kubeconfig: string;
  /** "METHOD /path" -> count, query strings dropped. */
  requests: Map<string, number>;
  /** wall-clock time (ms) and "METHOD /path" of every request, in order */
  log: { at: number; key: string }[];
  close(): Promise<void>;
}

const STORE_PATH = /^\/apis\/pepr\.dev\/v1\/namespaces\/([^/]+)\/peprstores(?:\/([^/]+))?$/;

function storeObject(namespace: string, name: string): KubeObject {
  return {
    apiVersion: "pepr.dev/v1",
    kind: "PeprStore",
    metadata: { name, namespace, uid: `uid-${name}`, resourceVersion: "1", labels: {} },
    data: { __pepr_do_not_delete__: "k-thx-bye" },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

const list = (items: KubeObject[]) => ({
  apiVersion: "v1",
  kind: "List",
  metadata: { resourceVersion: "1" },
  items: items.map((o, i) => ({
    ...o,
    metadata: { ...(o.metadata as object), uid: `uid-${i}`, resourceVersion: "1" },
  })),
});

/**
 * @param collections resource plural (e.g. "limitranges", "exemptions") -> the objects a list returns
 */
export async function startFakeApiServer(
  kubeconfigPath: string,
  collections: Record<string, KubeObject[]> = {},
): Promise<FakeApiServer> {
  const requests = new Map<string, number>();
  const log: { at: number; key: string }[] = [];
  const watches = new Set<ServerResponse>();
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const key = `${req.method} ${url.pathname}${url.searchParams.get("watch") === "true" ? " (watch)" : ""}`;
    requests.set(key, (requests.get(key) ?? 0) + 1);
    log.push({ at: Date.now(), key });
    req.resume();
    req.on("end", () => {
      if (url.searchParams.get("watch") === "true") {
        res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
        res.write(""); // headers out; no events follow until the run ends
        watches.add(res);
        res.on("close", () => watches.delete(res));
        return;
      }
      const store = STORE_PATH.exec(url.pathname);
      if (store) {
        const [, namespace, name] = store;
        if (name) return send(res, 200, storeObject(namespace, name));
        const selected = /metadata\.name=([^,]+)/.exec(url.searchParams.get("fieldSelector") ?? "")?.[1];
        return send(res, 200, list(selected ? [storeObject(namespace, selected)] : []));
      }
      const resource = url.pathname.split("/").pop() ?? "";
      if (req.method === "POST" && resource === "events")
        return send(res, 201, { apiVersion: "v1", kind: "Event", metadata: { name: `e${log.length}` } });
      if (req.method === "PATCH" && /\/(cluster)?policyreports\/[^/]+$/.test(url.pathname))
        return send(res, 200, {
          apiVersion: "wgpolicyk8s.io/v1alpha2",
          kind: "PolicyReport",
          metadata: { name: resource },
        });
      if (req.method === "GET" && resource in collections) return send(res, 200, list(collections[resource]));
      if (req.method === "GET" && /\/(api\/v1|apis\/[^/]+\/[^/]+)(\/namespaces\/[^/]+)?\/[a-z]+$/.test(url.pathname))
        return send(res, 200, list([]));
      send(res, 404, { apiVersion: "v1", kind: "Status", status: "Failure", reason: "NotFound", code: 404 });
    });
  };
  const server: Server = createServer(handler);
  await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  writeFileSync(
    kubeconfigPath,
    [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      `- name: bench\n  cluster:\n    server: ${url}\n    insecure-skip-tls-verify: true`,
      "users:",
      "- name: bench\n  user:\n    token: bench",
      "contexts:",
      "- name: bench\n  context:\n    cluster: bench\n    user: bench",
      "current-context: bench",
      "",
    ].join("\n"),
  );
  return {
    url,
    kubeconfig: kubeconfigPath,
    requests,
    log,
    close: () =>
      new Promise<void>(resolve => {
        for (const w of watches) w.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
