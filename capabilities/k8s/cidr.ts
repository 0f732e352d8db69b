/** IPv4 CIDR arithmetic for NetworkPolicy ipBlocks; anything unparsable is "not within" (fails closed). */
function parse(cidr: string): { base: number; bits: number } | undefined {
  const [ip, bitsText = "32"] = cidr.split("/");
  const octets = ip.split(".");
  const bits = Number(bitsText);
  if (octets.length !== 4 || !Number.isInteger(bits) || bits < 0 || bits > 32) return undefined;
  let base = 0;
  for (const o of octets) {
    const n = Number(o);
    if (!/^\d{1,3}$/.test(o) || n > 255) return undefined;
    base = base * 256 + n;
  }
  return { base, bits };
}

const masked = (ip: number, bits: number) => (bits === 0 ? 0 : Math.floor(ip / 2 ** (32 - bits)));

/** Whether every address of `inner` is in `outer` (e.g. 172.18.0.0/16 within 172.16.0.0/12; 0.0.0.0/0 within nothing smaller). */
export function cidrWithin(inner: string, outer: string): boolean {
  const a = parse(inner);
  const b = parse(outer);
  if (!a || !b || a.bits < b.bits) return false;
  return masked(a.base, b.bits) === masked(b.base, b.bits);
}
