// The one door between the machine's network namespace and a control plane's own one (see cluster-network.ts).
// This process runs inside the control plane's namespace, which it also keeps alive. Its parent, still in the
// machine's namespace, binds listening sockets on 127.0.0.1 there and hands them over the IPC channel
// (a socket keeps the namespace it was created in); every connection accepted on one is piped to a port on
// this namespace's loopback. argv[2] is the state directory, so the PID file check can tell the process is ours.
import { connect, createServer, Server, Socket } from "node:net";

interface ListenMessage {
  kind: "listen";
  /** Port on this namespace's 127.0.0.1 that connections are piped to. */
  target: number;
}

function isListenMessage(m: unknown): m is ListenMessage {
  const r = m as Partial<ListenMessage> | null;
  return !!r && r.kind === "listen" && Number.isInteger(r.target) && (r.target ?? 0) > 0 && (r.target ?? 0) < 65536;
}

function pipe(client: Socket, target: number): void {
  const upstream = connect({ host: "127.0.0.1", port: target });
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on("error", close).on("close", close);
  upstream.on("error", close).on("close", close);
  client.pipe(upstream).pipe(client);
}

const servers: Server[] = [];
process.on("message", (message: unknown, handle: unknown) => {
  if (!isListenMessage(message) || !(handle instanceof Server)) {
    process.send?.({ kind: "error", error: `relay: unexpected message ${JSON.stringify(message)}` });
    return;
  }
  const server = createServer(client => pipe(client, message.target));
  server.listen(handle, () => process.send?.({ kind: "listening", target: message.target }));
  servers.push(server);
});
// The parent disconnects once it has handed over every socket (it may exit: `bonsai up` detaches); the
// listening sockets keep this process running until it is stopped by PID.
process.on("disconnect", () => {});
process.on("SIGTERM", () => {
  for (const s of servers) s.close();
  process.exit(0);
});
process.send?.({ kind: "ready" });
