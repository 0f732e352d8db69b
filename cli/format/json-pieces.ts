/**
 * `JSON.stringify(value, null, 2)` in pieces, byte for byte: the containers of the first `splitDepth` levels
 * are written here, everything below them by JSON.stringify itself, re-indented. `bonsai audit --format json`
 * of 10,000 objects is 69 MB of JSON; as one string (two bytes per character as soon as one message holds a
 * non-Latin-1 character) plus its UTF-8 copy it was a third of the audit's peak memory and much of its
 * garbage-collection time. In pieces, each result is a small string, written and dropped.
 */
export function* jsonPieces(value: unknown, splitDepth: number, indent = ""): Generator<string> {
  if (splitDepth <= 0 || !isPlainContainer(value)) {
    const text = JSON.stringify(value, null, 2);
    // Where JSON.stringify writes nothing (undefined, a function), callers skip the key or write null.
    yield indent ? text.replaceAll("\n", `\n${indent}`) : text;
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (!value.length) return yield "[]";
    yield "[";
    for (let i = 0; i < value.length; i++) {
      yield i ? `,\n${inner}` : `\n${inner}`;
      // In arrays JSON.stringify writes null for what it cannot represent.
      if (representable(value[i])) yield* jsonPieces(value[i], splitDepth - 1, inner);
      else yield "null";
    }
    return yield `\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => representable(v));
  if (!entries.length) return yield "{}";
  yield "{";
  for (let i = 0; i < entries.length; i++) {
    const [key, child] = entries[i];
    yield `${i ? "," : ""}\n${inner}${JSON.stringify(key)}: `;
    yield* jsonPieces(child, splitDepth - 1, inner);
  }
  yield `\n${indent}}`;
}

/** Arrays and objects this function may walk itself: no toJSON, which only JSON.stringify must call. */
function isPlainContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  if (typeof value !== "object" || value === null) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") return false;
  return (
    Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null
  );
}

/** What JSON.stringify writes a value for inside an object (it drops the key of anything else). */
function representable(value: unknown): boolean {
  return value !== undefined && typeof value !== "function" && typeof value !== "symbol";
}

/**
 * Writes the pieces in batches of about `batchBytes` characters through `write` (standard output's write):
 * few calls, and never the whole text at once.
 */
export function writeJson(
  value: unknown,
  splitDepth: number,
  write: (chunk: string) => void,
  batchBytes = 1 << 20,
): void {
  let batch: string[] = [];
  let size = 0;
  for (const piece of jsonPieces(value, splitDepth)) {
    batch.push(piece);
    size += piece.length;
    if (size >= batchBytes) {
      write(batch.join(""));
      batch = [];
      size = 0;
    }
  }
  batch.push("\n");
  write(batch.join(""));
}
