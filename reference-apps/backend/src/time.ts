export const sleep = (ms: number) => new Promise<void>(resolve => setTimeout(resolve, ms));

/** `p`, or a rejection naming `what` after `ms`: a probe or a scrape must answer even when a peer hangs. */
export function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
