import cfg from "../../package.json";

/**
 * The time one admission request may take inside the module, from the binding's start to its answer.
 * Well inside Pepr's webhookTimeout (package.json), so the module answers before the API server gives up
 * and applies the webhook's failurePolicy (fail-open namespaces would admit). Override with
 * BONSAI_REQUEST_BUDGET_MS (tests), never above webhookTimeout minus one second.
 */
export const WEBHOOK_TIMEOUT_MS = cfg.pepr.webhookTimeout * 1_000;
export const DEFAULT_REQUEST_BUDGET_MS = 3_000;

export function requestBudgetMs(raw = process.env.BONSAI_REQUEST_BUDGET_MS): number {
  if (raw === undefined || raw === "") return DEFAULT_REQUEST_BUDGET_MS;
  const n = Number(raw);
  const max = WEBHOOK_TIMEOUT_MS - 1_000;
  if (!Number.isInteger(n) || n < 1 || n > max)
    throw new Error(`BONSAI_REQUEST_BUDGET_MS is ${JSON.stringify(raw)}; expected whole milliseconds from 1 to ${max}`);
  return n;
}

/** A request's deadline. `now` is injectable so tests step a clock instead of sleeping. */
export class Deadline {
  readonly #start: number;
  constructor(
    readonly budgetMs: number = requestBudgetMs(),
    private readonly now: () => number = Date.now,
  ) {
    this.#start = now();
  }
  elapsedMs(): number {
    return this.now() - this.#start;
  }
  remainingMs(): number {
    return Math.max(0, this.budgetMs - this.elapsedMs());
  }
  expired(): boolean {
    return this.elapsedMs() >= this.budgetMs;
  }
}
