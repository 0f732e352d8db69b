// The URLs `bonsai up` prints, held to the tree: each host and path is an Ingress rule, http URLs use the port k3d
// maps to the controller's port 80 and are not redirected, https URLs the port mapped to 443 on a TLS host.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { URLS } from "../../cli/commands/up";
import { platformObjects, renderPlatform, REPO_ROOT } from "../../lib/render";
import { ingressHosts } from "../../cli/up/local-tls";

const objects = platformObjects(renderPlatform(REPO_ROOT));
const ingresses = objects.filter(o => o.kind === "Ingress") as any[];
const k3d = parseYaml(readFileSync(join(REPO_ROOT, "clusters/local/k3d.yaml"), "utf8")) as {
  ports: { port: string }[];
};
const hostPort = (containerPort: number) =>
  Number(k3d.ports.map(p => p.port.split(":")).find(([, c]) => Number(c) === containerPort)?.[0]);

describe("the URLs bonsai up prints", () => {
  const urls = URLS.map(line => new URL(line.split(/\s+/)[0]));

  it.each(urls.map(u => [u.href, u]))("%s is served by an Ingress rule on the port k3d maps", (_href, u) => {
    const url = u as URL;
    const rule = ingresses
      .flatMap(i => (i.spec.rules ?? []).map((r: any) => ({ ingress: i, rule: r })))
      .find(({ rule }) => rule.host === url.hostname);
    expect(rule).toBeDefined();
    const paths = (rule!.rule.http?.paths ?? []).map((p: any) => p.path as string);
    expect(paths.some((p: string) => url.pathname.startsWith(p))).toBe(true);
    if (url.protocol === "https:") {
      expect(Number(url.port)).toBe(hostPort(443));
      const tlsHosts = (rule!.ingress.spec.tls ?? []).flatMap((t: any) => t.hosts ?? []);
      expect(tlsHosts).toContain(url.hostname);
    } else {
      expect(Number(url.port)).toBe(hostPort(80));
    }
  });

  it("HTTP is not redirected to https on port 443 (which the Mac does not map)", () => {
    const cm = objects.find(o => o.kind === "ConfigMap" && o.metadata?.name === "nginx-config") as any;
    expect(String(cm.data["ssl-redirect"]).toLowerCase()).toBe("false");
    for (const i of ingresses) {
      const a = i.metadata.annotations ?? {};
      for (const key of ["ingress.kubernetes.io/ssl-redirect", "nginx.org/ssl-redirect"])
        expect([undefined, "false", "False"]).toContain(a[key]);
    }
    expect(hostPort(443)).not.toBe(443);
  });

  it("every Ingress host is one the local certificate is issued for", () => {
    const hosts = ingressHosts(objects);
    for (const u of urls) expect(hosts).toContain(u.hostname);
  });
});
