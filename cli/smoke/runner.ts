/**
 * The check runner of `bonsai smoke`: every check names its component and what it checks, runs under its own
 * timeout (a check that hangs fails with "timed out", it never holds the run up), and ends as pass, fail (with the
 * fix) or skip (with the reason). One line per result; exit 1 when anything failed.
 */
export type Outcome =
  | { status: "pass"; detail: string }
  | { status: "fail"; detail: string; fix: string }
  | { status: "skip"; detail: string };

export interface Check {
  component: string;
  check: string;
  run(signal: AbortSignal): Promise<Outcome | Outcome[]>;
}

export interface Result {
  component: string;
  check: string;
  outcome: Outcome;
}

export const pass = (detail: string): Outcome => ({ status: "pass", detail });
export const fail = (detail: string, fix: string): Outcome => ({ status: "fail", detail, fix });
export const skip = (detail: string): Outcome => ({ status: "skip", detail });

export async function runChecks(checks: Check[], timeoutMs: number, onResult: (r: Result) => void): Promise<Result[]> {
  const results: Result[] = [];
  for (const c of checks) {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Outcome>(resolve => {
      timer = setTimeout(() => {
        controller.abort();
        resolve(
          fail(
            `timed out after ${timeoutMs / 1000} s`,
            "check that the component is up and reachable; --timeout raises the limit",
          ),
        );
      }, timeoutMs);
    });
    let outcomes: Outcome[];
    try {
      const got = await Promise.race([c.run(controller.signal), timeout]);
      outcomes = Array.isArray(got) ? got : [got];
    } catch (err) {
      outcomes = [fail((err as Error).message, "see the message; run the check's command by hand")];
    } finally {
      clearTimeout(timer);
    }
    for (const outcome of outcomes) {
      const r = { component: c.component, check: c.check, outcome };
      results.push(r);
      onResult(r);
    }
  }
  return results;
}

export function formatResult(r: Result): string {
  const mark = { pass: "PASS", fail: "FAIL", skip: "SKIP" }[r.outcome.status];
  const fix = r.outcome.status === "fail" ? `\n       fix: ${r.outcome.fix}` : "";
  return `${mark}  ${r.component}: ${r.check} — ${r.outcome.detail}${fix}`;
}
