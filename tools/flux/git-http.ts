import { spawn } from "node:child_process";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";

/**
 * A git remote over smart HTTP on 127.0.0.1: `git http-backend` (git's own CGI program) behind a small Node
 * server, serving the bare repositories under one folder. Flux's source-controller clones from it like from
 * any https remote; `bonsai up` and the tests push to it. Loopback only, no credentials: it is the cluster's
 * view of the local checkout, nothing else can reach it.
 */

/** A push of the whole platform is a few MB; this bounds a runaway client, not a real push. */
const MAX_REQUEST_BYTES = 256 * 1024 * 1024;
const MAX_CGI_HEADER_BYTES = 64 * 1024;

export function gitHttpHandler(projectRoot: string) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    // http-backend itself refuses paths outside GIT_PROJECT_ROOT; ".." never reaches it.
    if (url.pathname.split("/").includes("..")) {
      res.writeHead(400).end("bad path\n");
      return;
    }
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > MAX_REQUEST_BYTES) {
      res.writeHead(413).end(`request larger than ${MAX_REQUEST_BYTES} bytes\n`);
      return;
    }
    const cgi = spawn("git", ["http-backend"], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: "1",
        // Pushes are allowed without authentication: the server listens on loopback for our own pushes.
        REMOTE_USER: "bonsai",
        REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
        REQUEST_METHOD: req.method ?? "GET",
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.replace(/^\?/, ""),
        CONTENT_TYPE: req.headers["content-type"] ?? "",
        ...(req.headers["content-length"] ? { CONTENT_LENGTH: String(req.headers["content-length"]) } : {}),
        HTTP_CONTENT_ENCODING: String(req.headers["content-encoding"] ?? ""),
        GIT_PROTOCOL: String(req.headers["git-protocol"] ?? ""),
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let received = 0;
    req.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received > MAX_REQUEST_BYTES) {
        cgi.kill();
        req.destroy();
      }
    });
    req.pipe(cgi.stdin);
    cgi.stdin.on("error", () => {});
    let stderr = "";
    cgi.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    let head = Buffer.alloc(0);
    let headersSent = false;
    cgi.stdout.on("data", (chunk: Buffer) => {
      if (headersSent) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (head.length > MAX_CGI_HEADER_BYTES) cgi.kill();
        return;
      }
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
        const colon = line.indexOf(":");
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 500;
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      headersSent = true;
      res.write(head.subarray(end + 4));
    });
    cgi.on("close", code => {
      if (!headersSent) res.writeHead(code === 0 ? 200 : 500).end(stderr);
      else res.end();
    });
  };
}

/** Listens on 127.0.0.1:`port` (0: any free port) and resolves with the server and its port. */
export function serveGit(projectRoot: string, port = 0): Promise<{ server: Server; port: number }> {
  const server = createServer(gitHttpHandler(projectRoot));
  return new Promise((resolve, reject) => {
    server.on("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const addr = server.address();
      if (typeof addr === "object" && addr) resolve({ server, port: addr.port });
      else reject(new Error("git server: no address"));
    });
  });
}
