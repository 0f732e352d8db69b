/**
 * Cluster addresses -> loopback addresses. A manifest names its peers by Service DNS name and Service port
 * (`postgresql-primary.infra.svc.cluster.local:5432`); the harness starts the peer on 127.0.0.1 with a free
 * port and registers it under the address the manifest would use, after checking that the address names a
 * Service of the tree, one of its ports, and that the port targets a container port of the workload behind it:
 *
 *   const dns = new ServiceMap(objects);
 *   dns.register("postgresql-primary", "infra", 5432, { host: "127.0.0.1", port: pg.port });
 *   dns.resolve("postgresql-primary.infra.svc.cluster.local", 5432);   // -> 127.0.0.1:<pg.port>
 *
 * An address nobody registered is an error naming it, never a silent pass-through to the network.
 */
import { KubeObject } from "../../../capabilities/k8s/object";

export interface Address {
  host: string;
  port: number;
}

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
}

export class ServiceMap {
  private readonly map = new Map<string, Address>();

  constructor(private readonly objects: KubeObject[]) {}

  /** Registers the Service's `port` as reachable at `local`; throws if the tree has no such Service port. */
  register(service: string, namespace: string, port: number, local: Address): void {
    const svc = this.objects.find(
      o => o.kind === "Service" && o.metadata?.name === service && o.metadata?.namespace === namespace,
    );
    if (!svc) throw new Error(`Service ${namespace}/${service} is not in the rendered tree`);
    const ports = ((svc.spec as { ports?: ServicePort[] } | undefined)?.ports ?? []) as ServicePort[];
    if (!ports.some(p => p.port === port))
      throw new Error(`Service ${namespace}/${service} has no port ${port} (spec.ports: ${ports.map(p => p.port)})`);
    for (const name of [
      service,
      `${service}.${namespace}`,
      `${service}.${namespace}.svc`,
      `${service}.${namespace}.svc.cluster.local`,
    ])
      this.map.set(`${name}:${port}`, local);
  }

  /** Registers a name that is not a Service (a pod's own `localhost`). */
  registerRaw(host: string, port: number, local: Address): void {
    this.map.set(`${host}:${port}`, local);
  }

  /** The Services of `namespace` whose selector matches `labels` (the Services in front of a workload's pods). */
  servicesSelecting(labels: Record<string, string>, namespace: string) {
    return this.objects
      .filter(o => o.kind === "Service" && o.metadata?.namespace === namespace)
      .map(o => {
        const spec = (o.spec ?? {}) as { selector?: Record<string, string>; ports?: ServicePort[]; clusterIP?: string };
        return { name: String(o.metadata?.name), spec };
      })
      .filter(({ spec }) => {
        const selector = Object.entries(spec.selector ?? {});
        return selector.length > 0 && selector.every(([k, v]) => labels[k] === v);
      })
      .map(({ name, spec }) => ({ name, ports: spec.ports ?? [], headless: spec.clusterIP === "None" }));
  }

  resolve(host: string, port: number): Address {
    const hit = this.map.get(`${host}:${port}`);
    if (!hit)
      throw new Error(
        `${host}:${port} is not an address the harness started (known: ${[...this.map.keys()].join(", ") || "none"})`,
      );
    return hit;
  }
}
