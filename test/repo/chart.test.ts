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
      expect(objects.map(o => o.kind).sort()).toEqual([
        "Deployment",
        "HorizontalPodAutoscaler",
        "Ingress",
        "PodDisruptionBudget",
        "Service",
        "ServiceAccount",
      ]);
      const ingress = objects.find(o => o.kind === "Ingress")!.spec as any;
      expect(ingress.rules[0].host).toBe(r.release === "frontend" ? "app.local" : "api.local");
      expect(ingress.rules[0].http.paths[0].path).toBe(r.release === "frontend" ? "/" : "/api");
      expect((objects.find(o => o.kind === "Service")!.spec as any).type).toBe("ClusterIP");
      const pod = (objects.find(o => o.kind === "Deployment")!.spec as any).template.spec;
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 101,
        seccompProfile: { type: "RuntimeDefault" },
      });
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
  ])("refuses unsafe values through values.schema.json: %p", (values, field) => {
    expect(() => helmTemplate(CHART, { release: "x", namespace: "frontend", values })).toThrow(field);
  });
});
