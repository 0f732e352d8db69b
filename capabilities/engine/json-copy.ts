type Json = unknown;
type Container = Record<string, unknown> | unknown[];

const isContainer = (v: unknown): v is Container => v !== null && typeof v === "object";
const emptyLike = (v: Container): Container => (Array.isArray(v) ? new Array<unknown>(v.length) : {});

function put(to: Container, key: string | number, value: unknown): void {
  // A JSON key "__proto__" is an own property of the parsed object; plain assignment would set the copy's prototype.
  if (key === "__proto__")
    Object.defineProperty(to, key, { value, enumerable: true, writable: true, configurable: true });
  else (to as Record<string | number, unknown>)[key] = value;
}

/**
 * A deep copy of a JSON value (what express.json parsed: plain objects, arrays, primitives), with an explicit
 * stack so that nesting depth cannot overflow the call stack. Linear in the size of the value.
 */
export function copyJson<T extends Json>(value: T): T {
  if (!isContainer(value)) return value;
  const root = emptyLike(value);
  const stack: [Container, Container][] = [[value, root]];
  const visit = (to: Container, key: string | number, v: unknown) => {
    if (!isContainer(v)) return put(to, key, v);
    const c = emptyLike(v);
    put(to, key, c);
    stack.push([v, c]);
  };
  while (stack.length) {
    const [from, to] = stack.pop()!;
    if (Array.isArray(from)) for (let i = 0; i < from.length; i++) visit(to, i, from[i]);
    else for (const key of Object.keys(from)) visit(to, key, from[key]);
  }
  return root as T;
}

/**
 * Gives an object a non-enumerable `clone()` that returns `copyJson` of it (itself carrying the same method).
 * Pepr 1.1.4 copies each request's objects with ramda's `clone`, once per validation and twice per mutation;
 * ramda dispatches to a `clone` method when the value has one, and its own copy keys a cycle map by the types of
 * an object's values, so same-shaped objects (env entries, volume mounts, ports) share a bucket and the copy grows
 * quadratically with them. Non-enumerable: JSON, Object.keys, JSON patches and deep-equality never see it. An
 * object that has a `clone` field of its own keeps it, and ramda then copies it the slow way.
 */
export function withFastClone<T extends object>(obj: T): T {
  if (Object.prototype.hasOwnProperty.call(obj, "clone")) return obj;
  Object.defineProperty(obj, "clone", {
    value(this: T) {
      return withFastClone(copyJson(this));
    },
    enumerable: false,
    writable: true,
    configurable: true,
  });
  return obj;
}
