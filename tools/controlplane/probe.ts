import { request as httpRequest } from "node:http";
import { request as httpsRequest, RequestOptions } from "node:https";

/**
 * True when `url` answers 200 within 2 s; false on any error or timeout, never a throw: readiness loops poll it.
 * `tls` carries the client certificate and CA, or `rejectUnauthorized: false` for components whose health
 * endpoints serve a self-signed certificate (only their status is read).
 */
export function respondsOk(url: string, tls: RequestOptions = {}): Promise<boolean> {
  return new Promise(resolve => {
    const request = url.startsWith("https:") ? httpsRequest : httpRequest;
    const req = request(url, { ...tls, timeout: 2000 }, res => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", () => resolve(false));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}
