import { parse } from "yaml";
import { ensureSecrets, missingSecrets } from "../../cli/up/platform-secrets";
import type { Kubectl } from "../../cli/up/apply-layers";
import type { KubeObject } from "../../capabilities/k8s/object";

const workload = (namespace: string, env: unknown[]): KubeObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "w", namespace },
  spec: {
    template: { spec: { initContainers: [{ name: "i", env: env.slice(0, 1) }], containers: [{ name: "c", env }] } },
  },
});
const secretRef = (name: string, key: string, optional?: boolean) => ({
  name: "X",
  valueFrom: { secretKeyRef: { name, key, ...(optional === undefined ? {} : { optional }) } },
});

describe("the Secrets bonsai up stands in for", () => {
  it("are those the workloads read and the tree does not define, keys merged, optional ones left out", () => {
    const objects = [
      workload("infra", [secretRef("db", "password"), secretRef("db", "user"), secretRef("opt", "k", true)]),
      workload("monitoring", [secretRef("grafana-admin", "password"), { name: "PLAIN", value: "x" }]),
      workload("infra", [secretRef("defined", "k")]),
      { apiVersion: "v1", kind: "Secret", metadata: { name: "defined", namespace: "infra" } },
      { apiVersion: "v1", kind: "Pod", metadata: { name: "odd" }, spec: { containers: "not a list" } },
    ];
    expect(missingSecrets(objects)).toEqual([
      { namespace: "infra", name: "db", keys: ["password", "user"] },
      { namespace: "monitoring", name: "grafana-admin", keys: ["password"] },
    ]);
  });

  it("are created with random values on stdin, and an existing Secret is never touched", () => {
    const calls: { args: string[]; input?: string }[] = [];
    const kubectl: Kubectl = (args, input) => {
      calls.push({ args, input });
      if (args[0] === "get" && args[2] === "exists") return { code: 0, stdout: "secret/exists", stderr: "" };
      if (args[0] === "get")
        return { code: 1, stdout: "", stderr: 'Error from server (NotFound): secrets "x" not found' };
      return { code: 0, stdout: "", stderr: "" };
    };
    const created = ensureSecrets(kubectl, [
      { namespace: "infra", name: "a", keys: ["password"] },
      { namespace: "infra", name: "exists", keys: ["password"] },
      { namespace: "monitoring", name: "b", keys: ["password", "user"] },
    ]);
    expect(created).toEqual(["infra/a", "monitoring/b"]);
    const creates = calls.filter(c => c.args[0] === "create");
    expect(creates.map(c => c.args)).toEqual([
      ["create", "-f", "-"],
      ["create", "-f", "-"],
    ]);
    const values = creates.flatMap(c =>
      Object.values((parse(c.input!) as { stringData: Record<string, string> }).stringData),
    );
    expect(values).toHaveLength(3);
    for (const v of values) expect(v).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(new Set(values).size).toBe(3);
    // nothing secret on the command line
    for (const c of calls) for (const a of c.args) expect(values).not.toContain(a);
  });

  it("stop with a clear error when the cluster cannot be read (never overwrite on doubt)", () => {
    const kubectl: Kubectl = () => ({ code: 1, stdout: "", stderr: "Unable to connect to the server" });
    expect(() => ensureSecrets(kubectl, [{ namespace: "infra", name: "a", keys: ["p"] }])).toThrow(
      /reading Secret infra\/a: Unable to connect/,
    );
  });
});
