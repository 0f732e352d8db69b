import { readFileSync } from "node:fs";
import { Agent } from "node:https";
import { parse } from "yaml";

/**
 * Keep-alive HTTPS agents that talk to an API server as the kubeconfig's (admin) user: its CA and client
 * certificate, embedded as the control plane writes them. One agent per concurrency level, `maxSockets` = clients.
 */
export function adminAgentFor(kubeconfigPath: string): (concurrency: number) => Agent {
  const kc = parse(readFileSync(kubeconfigPath, "utf8")) as {
    clusters: { cluster: Record<string, string> }[];
    users: { user: Record<string, string> }[];
  };
  const b64 = (v: string | undefined) => Buffer.from(v ?? "", "base64");
  return concurrency =>
    new Agent({
      keepAlive: true,
      maxSockets: concurrency,
      ca: b64(kc.clusters[0].cluster["certificate-authority-data"]),
      cert: b64(kc.users[0].user["client-certificate-data"]),
      key: b64(kc.users[0].user["client-key-data"]),
    });
}
