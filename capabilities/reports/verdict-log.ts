import type { PolicyResult, ResultStatus } from "../engine/result";

/**
 * A structured log line for one policy's non-pass verdict on one admitted or refused object. Alloy ships
 * these to Loki, where the violations dashboard counts them. `resource_namespace`, not `namespace`: Loki's
 * `| json` would rename a field that collides with the stream's own `namespace` label (pepr-system).
 */
export interface VerdictLogLine {
  bonsai: "policy-result";
  policy: string;
  result: ResultStatus;
  /** the rules that gave this result, comma-separated, in the engine's order */
  rules: string;
  kind: string;
  name: string;
  resource_namespace: string;
  operation: string;
  admission: "admitted" | "denied";
}

/**
 * One line per policy and result, not per rule: a privileged pod breaks a dozen Pod Security rules, and a
 * line each would multiply the log volume on the admission path (every byte is also paid by the logger
 * inside the request) without telling the reader more than the rule list does.
 */
export function verdictLogLines(results: PolicyResult[], allowed: boolean, operation: string): VerdictLogLine[] {
  const lines = new Map<string, VerdictLogLine>();
  for (const r of results) {
    if (r.result === "pass") continue;
    const key = `${r.policy}\n${r.result}\n${r.resource.kind}\n${r.resource.namespace ?? ""}\n${r.resource.name}`;
    const line = lines.get(key);
    if (line) {
      line.rules += `,${r.rule}`;
      continue;
    }
    lines.set(key, {
      bonsai: "policy-result",
      policy: r.policy,
      result: r.result,
      rules: r.rule,
      kind: r.resource.kind,
      name: r.resource.name,
      resource_namespace: r.resource.namespace ?? "",
      operation,
      admission: allowed ? "admitted" : "denied",
    });
  }
  return [...lines.values()];
}
