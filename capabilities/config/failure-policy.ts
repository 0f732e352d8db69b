import cfg from "../../package.json";

/**
 * Namespaces whose webhook is fail-open (`failurePolicy: Ignore` in package.json's pepr.additionalWebhooks):
 * when the module does not answer, the API server admits there. Read from the same configuration Pepr
 * builds the webhooks from, so the two cannot disagree (docs/threat-model.md says why these are fail-open).
 */
export const FAIL_OPEN_NAMESPACES: ReadonlySet<string> = new Set(
  (cfg.pepr.additionalWebhooks as { namespace: string; failurePolicy: string }[])
    .filter(w => w.failurePolicy === "Ignore")
    .map(w => w.namespace),
);

export function isFailOpen(namespace: string | undefined): boolean {
  return FAIL_OPEN_NAMESPACES.has(namespace ?? "");
}
