import { KubeObject, list, record } from "../capabilities/k8s/object";

/** One row of docs/network-flows.md's matrix: may `from` open a TCP connection to `to` on `port`. */
export interface FlowRow {
  from: string;
  to: string;
  port: number;
  allowed: boolean;
}

/**
 * The rows between `<!-- matrix:start -->` and `<!-- matrix:end -->`, so the documented matrix is the test's
 * table and the two cannot disagree. A malformed row is an error naming it, never skipped.
 */
export function readFlowMatrix(markdown: string): FlowRow[] {
  const start = markdown.indexOf("<!-- matrix:start -->");
  const end = markdown.indexOf("<!-- matrix:end -->");
  if (start < 0 || end < start) throw new Error("docs/network-flows.md: no <!-- matrix:start --> ... end --> block");
  const lines = markdown.slice(start, end).split("\n").slice(1);
  const rows = lines.filter(l => l.startsWith("|")).slice(2); // header and separator
  return rows.map(line => {
    const cells = line
      .split("|")
      .slice(1, -1)
      .map(c => c.trim());
    const [from, to, port, allowed] = cells;
    if (cells.length !== 4 || !from || !to || !/^\d+$/.test(port) || !["yes", "no"].includes(allowed))
      throw new Error(
        `docs/network-flows.md: malformed matrix row ${JSON.stringify(line)}; expected | from | to | port | yes/no |`,
      );
    return { from, to, port: Number(port), allowed: allowed === "yes" };
  });
}

/** An Ingress backend as the controller reaches it: the backend pods' namespace, labels and target port. */
export interface IngressBackend {
  namespace: string;
  podLabels: Record<string, string>;
  port: number;
}

/** Every backend of every Ingress, resolved through its Service to the pods' container port. */
export function ingressBackends(objects: KubeObject[]): IngressBackend[] {
  const out: IngressBackend[] = [];
  for (const ing of objects.filter(o => o.kind === "Ingress")) {
    const ns = String(ing.metadata?.namespace);
    for (const rule of list(record(ing.spec)?.rules))
      for (const path of list(record(record(rule)?.http)?.paths)) {
        const ref = record(record(record(path)?.backend)?.service) ?? {};
        const svc = objects.find(
          o => o.kind === "Service" && o.metadata?.namespace === ns && o.metadata?.name === ref.name,
        );
        if (!svc) throw new Error(`Ingress ${ns}/${ing.metadata?.name}: no Service ${ns}/${String(ref.name)}`);
        const wanted = record(ref.port) ?? {};
        const port = list(record(svc.spec)?.ports)
          .map(p => record(p) ?? {})
          .find(p => p.port === wanted.number || (wanted.name !== undefined && p.name === wanted.name));
        const selector = (record(svc.spec)?.selector ?? {}) as Record<string, string>;
        out.push({
          namespace: ns,
          podLabels: selector,
          port: targetPortOf(objects, ns, selector, port?.targetPort ?? port?.port),
        });
      }
  }
  return out;
}

function targetPortOf(objects: KubeObject[], ns: string, selector: Record<string, string>, target: unknown): number {
  if (typeof target === "number") return target;
  for (const w of objects.filter(o => o.metadata?.namespace === ns && record(record(o.spec)?.template))) {
    const template = record(record(w.spec)?.template)!;
    const labels = (record(template.metadata)?.labels ?? {}) as Record<string, string>;
    if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) continue;
    for (const c of list(record(template.spec)?.containers))
      for (const p of list(record(c)?.ports)) if (record(p)?.name === target) return Number(record(p)?.containerPort);
  }
  throw new Error(`no pod in ${ns} selected by ${JSON.stringify(selector)} names port ${String(target)}`);
}
