/** Small HTTP and polling helpers for the apps' tests (bounded: every wait has a deadline and says what it waited for). */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function request(url: string, init: RequestInit = {}): Promise<Answer> {
  const r = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(15_000), ...init });
  const text = await r.text();
  let json: unknown = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: pages, redirects
  }
  return { status: r.status, headers: r.headers, text, json };
}

export const postJson = (url: string, body: unknown) =>
  request(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });

export const postForm = (url: string, fields: Record<string, string>) =>
  request(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
  });

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** Polls `probe` until it returns a value other than undefined, or fails naming what it waited for and the last seen. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`waited ${timeoutMs} ms for ${what}; last: ${String(last ?? "no answer")}`);
    await sleep(250);
  }
}

/** The metric's value from a Prometheus text exposition (sum over series matching every given label). */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let found: number | undefined;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name) || (line[name.length] !== "{" && line[name.length] !== " ")) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    found = (found ?? 0) + Number(line.slice(line.lastIndexOf(" ") + 1));
  }
  return found;
}
