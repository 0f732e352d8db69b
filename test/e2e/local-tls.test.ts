// bonsai up's ingress TLS step against a real API server: the controller's Secret is created from a local CA for
// every Ingress host, a real TLS handshake with it succeeds for each host, an existing Secret is left alone.
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, get } from "node:https";
import { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { platformObjects, renderPlatform, REPO_ROOT } from "../../lib/render";
import { ingressHosts, ingressTlsBeforeLayer, localCa, tlsSecretsReferenced } from "../../cli/up/local-tls";
import { E2eCluster, SETUP_TIMEOUT_MS, startCluster } from "./cluster";
import { applyLayers, Kubectl } from "../../cli/up/apply-layers";
import { readFileSync } from "node:fs";

let cluster: E2eCluster;
const caDir = mkdtempSync(join(tmpdir(), "bonsai-ca-"));
const objects = platformObjects(renderPlatform(REPO_ROOT));

beforeAll(async () => {
  cluster = await startCluster({ module: false });
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await cluster?.stop();
  rmSync(caDir, { recursive: true, force: true });
});

const secretData = () => {
  const r = cluster.kubectl(["get", "secret", "bonsai-local-tls", "-n", "ingress-nginx", "-o", "json"]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { type: string; data: Record<string, string>; metadata: { resourceVersion: string } };
};

test("the controller names ingress-nginx/bonsai-local-tls, and without its namespace the step fails clearly", () => {
  expect(tlsSecretsReferenced(objects)).toEqual([{ namespace: "ingress-nginx", name: "bonsai-local-tls" }]);
  expect(() => ingressTlsBeforeLayer(cluster.kubectl, () => objects, caDir)(objects)).toThrow(
    /ingress-nginx\/bonsai-local-tls.*not found/is,
  );
});

test("the Secret is created from the local CA and serves every Ingress host in a real TLS handshake", async () => {
  expect(cluster.kubectl(["create", "namespace", "ingress-nginx"]).code).toBe(0);
  const notes = ingressTlsBeforeLayer(cluster.kubectl, () => objects, caDir)(objects);
  expect(notes.join("\n")).toMatch(/ingress-nginx\/bonsai-local-tls created from the local CA/);
  const secret = secretData();
  expect(secret.type).toBe("kubernetes.io/tls");
  const cert = Buffer.from(secret.data["tls.crt"], "base64").toString();
  const key = Buffer.from(secret.data["tls.key"], "base64").toString();
  const ca = readFileSync(localCa(caDir).cert, "utf8");
  expect(new X509Certificate(cert).verify(new X509Certificate(ca).publicKey)).toBe(true);

  const server = createServer({ cert, key }, (_req, res) => res.end("ok"));
  await new Promise<void>(resolve => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    for (const host of ingressHosts(objects)) {
      const status = await new Promise<number>((resolve, reject) =>
        get({ host: "127.0.0.1", port, servername: host, ca, headers: { host }, timeout: 5000 }, res => {
          res.resume();
          resolve(res.statusCode ?? 0);
        }).on("error", reject),
      );
      expect([host, status]).toEqual([host, 200]);
    }
  } finally {
    server.close();
  }
});

test("an existing Secret (yours, or from an earlier run) is left alone", () => {
  const before = secretData().metadata.resourceVersion;
  expect(ingressTlsBeforeLayer(cluster.kubectl, () => objects, caDir)(objects)).toEqual([]);
  expect(secretData().metadata.resourceVersion).toBe(before);
});

test("bonsai up's layer walk creates the Secret before it applies the controller's Deployment", async () => {
  cluster.kubectl(["delete", "secret", "bonsai-local-tls", "-n", "ingress-nginx"]);
  let secretAtControllerApply: boolean | undefined;
  const watching: Kubectl = (args, input) => {
    if (
      secretAtControllerApply === undefined &&
      input?.includes("name: ingress-nginx-controller") &&
      input.includes("kind: Deployment")
    )
      secretAtControllerApply =
        cluster.kubectl(["get", "secret", "bonsai-local-tls", "-n", "ingress-nginx"]).code === 0;
    return cluster.kubectl(args, input);
  };
  const { notes } = await applyLayers(REPO_ROOT, watching, {
    progress: () => undefined,
    beforeLayer: ingressTlsBeforeLayer(watching, () => objects, caDir),
    helmKube: ["--kubeconfig", cluster.cp.kubeconfig],
  });
  expect(secretAtControllerApply).toBe(true);
  expect(notes.join("\n")).toMatch(/bonsai-local-tls created from the local CA/);
}, 600_000);
