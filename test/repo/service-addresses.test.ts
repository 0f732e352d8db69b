// Every in-cluster address the configuration names (ConfigMap data, container env: data sources, scrape targets,
// bootstrap servers, database hosts) is a Service of the tree, on one of its ports, whose targetPort is a port of
// a container behind it. A typo here is a day-one outage that kwok pods would never show.
import { KubeObject, list, record } from "../../capabilities/k8s/object";
import { podTemplateOf } from "../../capabilities/k8s/pod-template";
import { platformObjects, renderPlatform, REPO_ROOT } from "../../lib/render";

const objects = platformObjects(renderPlatform(REPO_ROOT));
const ADDRESS = /(https?:\/\/)?([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local(:\d+)?/g;

interface Use {
  where: string;
  service: string;
  namespace: string;
  port?: number;
}

function addressesIn(text: string, where: string): Use[] {
  return [...text.slice(0, 1_000_000).matchAll(ADDRESS)].map(m => ({
    where,
    service: m[2],
    namespace: m[3],
    port: m[4] ? Number(m[4].slice(1)) : m[1] ? (m[1] === "https://" ? 443 : 80) : undefined,
  }));
}

const uses: Use[] = [];
for (const o of objects) {
  const ref = `${o.kind} ${o.metadata?.namespace}/${o.metadata?.name}`;
  if (o.kind === "ConfigMap")
    for (const [k, v] of Object.entries(record(o.data) ?? {})) uses.push(...addressesIn(String(v), `${ref} data.${k}`));
  const pod = podTemplateOf(o);
  if (pod && !pod.missing)
    for (const c of [...list(pod.spec.initContainers), ...list(pod.spec.containers)])
      for (const e of list(record(c)?.env))
        uses.push(...addressesIn(String(record(e)?.value ?? ""), `${ref} env ${String(record(e)?.name)}`));
}

function backends(svc: KubeObject): Record<string, unknown>[] {
  const selector = Object.entries((record(record(svc.spec)?.selector) ?? {}) as Record<string, string>);
  return objects
    .filter(o => o.metadata?.namespace === svc.metadata?.namespace)
    .flatMap(o => {
      const pod = podTemplateOf(o);
      if (!pod || pod.missing || o.kind === "Pod") return [];
      const labels = (record(record(record(o.spec)?.template)?.metadata)?.labels ?? {}) as Record<string, string>;
      return selector.length && selector.every(([k, v]) => labels[k] === v)
        ? list<Record<string, unknown>>(pod.spec.containers)
        : [];
    });
}

it("finds the addresses (data sources, scrape targets, bootstrap servers, database hosts)", () => {
  expect(uses.length).toBeGreaterThan(10);
});

it.each(uses.map(u => [`${u.where} -> ${u.service}.${u.namespace}${u.port ? `:${u.port}` : ""}`, u]))(
  "%s",
  (_n, use) => {
    const u = use as Use;
    const svc = objects.find(
      o => o.kind === "Service" && o.metadata?.name === u.service && o.metadata?.namespace === u.namespace,
    );
    expect(svc ? "Service found" : `no Service ${u.namespace}/${u.service}`).toBe("Service found");
    if (u.port === undefined) return;
    const port = list<Record<string, unknown>>(record(svc!.spec)?.ports).find(p => p.port === u.port);
    expect(port ? "port found" : `Service ${u.namespace}/${u.service} has no port ${u.port}`).toBe("port found");
    const target = port!.targetPort ?? port!.port;
    const served = backends(svc!).some(c =>
      list<Record<string, unknown>>(c.ports).some(p => p.name === target || p.containerPort === target),
    );
    expect(served ? "served" : `no container behind ${u.namespace}/${u.service} has port ${String(target)}`).toBe(
      "served",
    );
  },
);
