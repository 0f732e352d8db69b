/** One JSON object per line on stdout: what Loki's json parser reads (apps/monitoring). */
export type Log = (msg: string, fields?: Record<string, unknown>) => void;

export function jsonLog(component: string): Log {
  return (msg, fields) =>
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), component, msg, ...fields })}\n`);
}
