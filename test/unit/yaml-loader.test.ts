import { InputError, parseYaml } from "../../lib/render";

describe("the audit's YAML loader", () => {
  it("reads unquoted timestamps as strings, as the API server does", () => {
    const { objects } = parseYaml(
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n    at: 2024-01-01T00:00:00Z\n",
      "c.yaml",
    );
    expect((objects[0].object.metadata as { annotations: Record<string, unknown> }).annotations.at).toBe(
      "2024-01-01T00:00:00Z",
    );
  });

  it("resolves anchors and merge keys", () => {
    const text = [
      "apiVersion: v1",
      "kind: Pod",
      "metadata: {name: p}",
      "spec:",
      "  containers:",
      "    - &base {name: a, image: 'nginx:1.27', securityContext: {privileged: true}}",
      "    - <<: *base",
      "      name: b",
      "",
    ].join("\n");
    const spec = parseYaml(text, "p.yaml").objects[0].object.spec as { containers: Record<string, unknown>[] };
    expect(spec.containers[1]).toEqual({ name: "b", image: "nginx:1.27", securityContext: { privileged: true } });
  });

  it("keeps YAML 1.2 scalars: yes is a string, 0o17 an integer, ~ null", () => {
    const { objects } = parseYaml(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: yes, b: 0o17, c: ~}\n",
      "c.yaml",
    );
    expect(objects[0].object.data).toEqual({ a: "yes", b: 15, c: null });
  });

  it("names the file, line and column of a syntax error", () => {
    expect(() => parseYaml("kind: Pod\nmetadata: {name: [\n", "bad.yaml")).toThrow(InputError);
    expect(() => parseYaml("kind: Pod\nmetadata: {name: [\n", "bad.yaml")).toThrow(/^bad\.yaml:\d+:\d+: invalid YAML/);
  });
});
