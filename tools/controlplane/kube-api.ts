import { readFileSync } from "node:fs";
import { Agent, request } from "node:https";

/** Answers larger than this are refused instead of buffered (a pod list of one namespace is far smaller). */
const MAX_BODY = 16 * 1024 * 1024;

export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A minimal JSON client for the API server with a client certificate: what the local kubelet (pod-runner.ts)
 * needs, without a kubectl process per call.
 */
export class KubeApi {
  private readonly tls: { ca: Buffer; cert: Buffer; key: Buffer };
  // Its own keep-alive agent, so close() can end its connections (a test runner waits for open sockets).
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 4 });

  constructor(
    private readonly server: string,
    files: { caCert: string; clientCert: string; clientKey: string },
  ) {
    this.tls = {
      ca: readFileSync(files.caCert),
      cert: readFileSync(files.clientCert),
      key: readFileSync(files.clientKey),
    };
  }

  close(): void {
    this.agent.destroy();
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>("GET", path);
  }

  /** undefined when the object does not exist. */
  async getOptional<T>(path: string): Promise<T | undefined> {
    try {
      return await this.get<T>(path);
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>("POST", path, body);
  }

  mergePatch<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>("PATCH", path, body, "application/merge-patch+json");
  }

  delete<T>(path: string, body?: unknown): Promise<T> {
    return this.call<T>("DELETE", path, body);
  }

  private call<T>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<T> {
    const url = new URL(path, this.server);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          agent: this.agent,
          ...this.tls,
          timeout: 10_000,
          // Content-Length always: Node sends a DELETE's body unframed otherwise, and the server then reads
          // it as the next request on the kept-alive connection.
          headers: {
            accept: "application/json",
            ...(payload ? { "content-type": contentType, "content-length": Buffer.byteLength(payload) } : {}),
          },
        },
        res => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY) req.destroy(new Error(`${method} ${path}: answer larger than ${MAX_BODY} bytes`));
            else chunks.push(c);
          });
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const status = res.statusCode ?? 0;
            if (status >= 300) {
              let message = text;
              try {
                message = (JSON.parse(text) as { message?: string }).message ?? text;
              } catch {
                /* not JSON */
              }
              reject(new KubeApiError(status, `${method} ${path}: ${status} ${message}`));
              return;
            }
            try {
              resolve((text ? JSON.parse(text) : {}) as T);
            } catch (err) {
              reject(new Error(`${method} ${path}: answer is not JSON: ${(err as Error).message}`));
            }
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer within 10 s`)));
      req.on("error", reject);
      req.end(payload);
    });
  }
}
