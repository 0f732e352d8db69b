import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fluxPathObjects } from "../../tools/flux/entry";
import { globSegment, SourceIgnore } from "../../tools/flux/sourceignore";
import { bootstrapKustomizationYaml, gotkSyncYaml } from "../../tools/flux/sync";

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "bonsai-entry-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\n`;
const names = (root: string, dir: string) => fluxPathObjects(root, join(root, dir)).map(o => o.metadata?.name);

describe("sourceignore (gitignore syntax as fluxcd/pkg/sourceignore reads it)", () => {
  it("matches * and ? within one segment, a hostile name included (a two-pointer scan, no backtracking)", () => {
    expect(globSegment("*.yaml", "k3d.yaml")).toBe(true);
    expect(globSegment("*.yaml", "k3d.yml")).toBe(false);
    expect(globSegment("a?c", "abc")).toBe(true);
    // A backtracking matcher would not finish this within the test's timeout; the scan is O(name x glob).
    expect(globSegment("*a*a*a*a*a*a*a*a*a*a*b", "a".repeat(5000))).toBe(false);
  });

  it("applies the last matching pattern, anchors patterns with a slash, and keeps Flux's built-in excludes", () => {
    const root = tree({ ".sourceignore": "/*\n!/clusters/\n/clusters/local/k3d.yaml\n" });
    const ignore = SourceIgnore.forRepository(root);
    expect(ignore.ignored(["README.md"], false)).toBe(true);
    expect(ignore.ignored(["clusters"], true)).toBe(false);
    expect(ignore.ignored(["clusters", "local", "k3d.yaml"], false)).toBe(true);
    expect(ignore.ignored(["clusters", "local", "layer-apps.yaml"], false)).toBe(false);
    expect(ignore.ignored(["clusters", "x", ".sops.yaml"], false)).toBe(true);
    expect(ignore.ignored(["clusters", "logo.png"], false)).toBe(true);
  });
});

describe("a Flux Kustomization's path read as kustomize-controller reads it", () => {
  it("generates what Flux generates without a kustomization.yaml: files, and folders with one as a unit", () => {
    const root = tree({
      ".sourceignore": "/clusters/local/k3d.yaml\n",
      "clusters/local/k3d.yaml": "apiVersion: k3d.io/v1alpha5\nkind: Simple\n",
      "clusters/local/a.yaml": cm("a"),
      "clusters/local/nested/b.yml": cm("b"),
      "clusters/local/notes.txt": cm("not-yaml"),
      "clusters/local/unit/kustomization.yaml": "resources: [c.yaml]\n",
      "clusters/local/unit/c.yaml": cm("c"),
      "clusters/local/unit/unlisted.yaml": cm("unlisted"),
    });
    expect(names(root, "clusters/local").sort()).toEqual(["a", "b", "c"]);
  });

  it("picks up bootstrap's flux-system/ folder beside the layers with nobody listing it", () => {
    const root = tree({
      "clusters/local/layer.yaml": cm("layer"),
      "clusters/local/flux-system/gotk-components.yaml": cm("components"),
      "clusters/local/flux-system/gotk-sync.yaml": gotkSyncYaml({
        url: "https://example.com/x.git",
        path: "clusters/local",
      }),
      "clusters/local/flux-system/kustomization.yaml": bootstrapKustomizationYaml(),
    });
    const objects = fluxPathObjects(root, join(root, "clusters/local"));
    expect(objects.map(o => `${o.kind}/${o.metadata?.name}`).sort()).toEqual([
      "ConfigMap/components",
      "ConfigMap/layer",
      "GitRepository/flux-system",
      "Kustomization/flux-system",
    ]);
    expect(objects.find(o => o.kind === "Kustomization")?.spec).toMatchObject({
      path: "./clusters/local",
      prune: true,
    });
  });

  it("names the file of a YAML syntax error, as kustomize-controller does", () => {
    const root = tree({ "clusters/local/bad.yaml": "kind: [unclosed\n" });
    expect(() => fluxPathObjects(root, join(root, "clusters/local"))).toThrow(
      /failed to decode Kubernetes YAML from .*clusters\/local\/bad\.yaml/,
    );
  });
});
