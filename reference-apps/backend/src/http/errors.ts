import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { isUnavailable } from "../db";
import { PATTERN_WORDS } from "./patterns";

interface ValidationIssue {
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** "body.quantity must be >= 1", "body must NOT have additional property 'colour'": path, rule and the fix. */
export function describeValidation(context: string, issues: ValidationIssue[]): string {
  return issues
    .map(i => {
      const path = `${context}${i.instancePath.replace(/\//g, ".")}`;
      if (typeof i.params.additionalProperty === "string")
        return `${path} has an unknown property '${i.params.additionalProperty}' (allowed: the schema's properties)`;
      const words = typeof i.params.pattern === "string" ? PATTERN_WORDS[i.params.pattern] : undefined;
      return `${path} ${words ?? i.message ?? "is invalid"}`;
    })
    .join("; ");
}

/**
 * Every error becomes JSON `{statusCode, error, message}`. Client mistakes (bad JSON, missing fields, too
 * large, wrong media type) are 4xx with the reason; the database being unreachable is 503 with Retry-After
 * (nothing was written: the order's transaction did not commit); anything else is a 500 that says nothing about
 * internals and is logged.
 */
export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  if (err.validation) {
    const message = describeValidation(err.validationContext ?? "request", err.validation as ValidationIssue[]);
    return reply.code(400).send({ statusCode: 400, error: "Bad Request", message });
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const message =
      err.code === "FST_ERR_CTP_BODY_TOO_LARGE"
        ? `request body is larger than the limit of ${req.routeOptions.bodyLimit ?? "?"} bytes`
        : err.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE"
          ? `content-type ${JSON.stringify(req.headers["content-type"] ?? "")} is not accepted: send JSON with content-type: application/json`
          : err.message;
    return reply.code(status).send({ statusCode: status, error: httpName(status), message });
  }
  if (isUnavailable(err)) {
    return reply.code(503).header("retry-after", "2").send({
      statusCode: 503,
      error: "Service Unavailable",
      message: "the database is unavailable; nothing was written, retry later",
    });
  }
  req.log.error({ err }, "request failed");
  return reply
    .code(500)
    .send({ statusCode: 500, error: "Internal Server Error", message: "unexpected error; see the backend's log" });
}

function httpName(status: number): string {
  const names: Record<number, string> = {
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
  };
  return names[status] ?? "Client Error";
}
