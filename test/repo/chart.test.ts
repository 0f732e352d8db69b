import { join } from "node:path";
import { helmLint, helmTemplate } from "../../tools/helm";
import { localChartRelease } from "../../lib/render/helm-release";
import { parse, renderedPlatform, REPO } from "./rendered";

const CHART = join(REPO, "charts", "bonsai-app");
const releases = renderedPlatform()
  .map(localChartRelease)
  .filter(r => r !== undefined);

describe("charts/bonsai-app", () => {
  it("lints strictly with its defaults", () => {
    expect(helmLint(CHART)).toContain("0 chart(s) failed");
  });

  it.each(releases.map(r => [r!.release, r!] as const))(
    "lints and renders with the %s HelmRelease's values",
    (_name, r) => {
      expect(helmLint(CHART, r.values)).toContain("0 chart(s) failed");
      const objects = parse(helmTemplate(CHART, r));
      const kinds = [
        "Deployment",
        "HorizontalPodAutoscaler",
        "Ingress",
        "PodDisruptionBudget",
        "Service",
        "ServiceAccount",
      ];
      // Only the backend has a schema: its migrate Job runs before each install and upgrade.
      expect(objects.map(o => o.kind).sort()).toEqual(
        r.release === "backend" ? [...kinds.slice(0, 3), "Job", ...kinds.slice(3)] : kinds,
      );
      const ingress = objects.find(o => o.kind === "Ingress")!.spec as any;
      expect(ingress.rules[0].host).toBe(r.release === "frontend" ? "app.local" : "api.local");
      expect(ingress.rules[0].http.paths[0].path).toBe(r.release === "frontend" ? "/" : "/api");
      expect((objects.find(o => o.kind === "Service")!.spec as any).type).toBe("ClusterIP");
      const pod = (objects.find(o => o.kind === "Deployment")!.spec as any).template.spec;
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        // The reference images' numeric users (reference-apps/*/Dockerfile).
        runAsUser: r.release === "frontend" ? 1001 : 1000,
        seccompProfile: { type: "RuntimeDefault" },
      });
      const container = pod.containers[0];
      expect(container.image).toBe(`localhost:5111/bonsai/${r.release}:0.1.0`);
      const probePath = r.release === "frontend" ? "/healthz" : "/api/health";
      expect(container.livenessProbe.httpGet.path).toBe(probePath);
      expect(container.readinessProbe.httpGet.path).toBe(r.release === "frontend" ? "/healthz" : "/api/ready");
      for (const v of pod.volumes) expect(v.emptyDir.sizeLimit).toMatch(/^[0-9]+Mi$/);
      // Secrets only by reference: no value in the rendered objects.
      for (const e of container.env)
        expect(e.name === "DATABASE_PASSWORD" ? e.valueFrom.secretKeyRef : e.value).toBeDefined();
      expect(pod.containers[0].securityContext).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      });
    },
  );

  it.each([
    [{ image: { repository: "nginx", tag: "latest" } }, "tag"],
    [{ containerPort: 80 }, "containerPort"],
    [{ securityContext: { runAsUser: 0 } }, "runAsUser"],
    [{ component: "database" }, "component"],
    [{ env: { DATABASE_PASSWORD: "hunter2" } }, "env"],
    [{ writablePaths: [{ path: "/tmp" }] }, "sizeLimit"],
    [{ secretEnv: { TOKEN: { secretName: "x" } } }, "key"],
    [{ topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname" }] }, "whenUnsatisfiable"],
  ])("refuses unsafe values through values.schema.json: %p", (values, field) => {
    expect(() => helmTemplate(CHART, { release: "x", namespace: "frontend", values })).toThrow(field);
  });

  describe("topologySpreadConstraints", () => {
    const podSpec = (values: Record<string, unknown>) =>
      (
        parse(helmTemplate(CHART, { release: "frontend", namespace: "frontend", values })).find(
          o => o.kind === "Deployment",
        )!.spec as { template: { spec: Record<string, unknown> } }
      ).template.spec;
    const byHost = { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule" };

    it("are none by default: the single node's pod spec has no spread", () => {
      expect(podSpec({})).not.toHaveProperty("topologySpreadConstraints");
    });

    it("are rendered as given, counting this release's pods when no labelSelector is given", () => {
      const own = { matchLabels: { "app.kubernetes.io/name": "frontend", "app.kubernetes.io/instance": "frontend" } };
      const other = { matchLabels: { tier: "web" } };
      expect(
        podSpec({
          topologySpreadConstraints: [
            { ...byHost, nodeTaintsPolicy: "Honor" },
            { ...byHost, topologyKey: "topology.kubernetes.io/zone", labelSelector: other },
          ],
        }).topologySpreadConstraints,
      ).toEqual([
        { ...byHost, nodeTaintsPolicy: "Honor", labelSelector: own },
        { ...byHost, topologyKey: "topology.kubernetes.io/zone", labelSelector: other },
      ]);
    });
  });
});
