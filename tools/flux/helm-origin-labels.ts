// Helm post-renderer: puts helm-controller's origin labels on every object of a release, as helm-controller's
// own post-renderer does (helm.toolkit.fluxcd.io/name and /namespace of the HelmRelease). Bonsai installs our
// chart's HelmReleases with real Helm where helm-controller cannot run (the embedded plane, k3d without Flux);
// with these labels and the same release name and namespace, a later helm-controller adopts the release.
// Usage: helm ... --post-renderer node --post-renderer-args <this file> ... ; reads YAML on stdin.
import { parseAllDocuments, stringify } from "yaml";

const [name, namespace] = [process.env.BONSAI_HELMRELEASE_NAME, process.env.BONSAI_HELMRELEASE_NAMESPACE];
const MAX_INPUT = 64 * 1024 * 1024;
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (d: string) => {
  input += d;
  if (input.length > MAX_INPUT) {
    process.stderr.write(`helm-origin-labels: input larger than ${MAX_INPUT} bytes\n`);
    process.exit(1);
  }
});
process.stdin.on("end", () => {
  if (!name || !namespace) {
    process.stderr.write("helm-origin-labels: BONSAI_HELMRELEASE_NAME and BONSAI_HELMRELEASE_NAMESPACE must be set\n");
    process.exit(2);
  }
  const out: string[] = [];
  for (const doc of parseAllDocuments(input)) {
    const obj = doc.toJS() as { metadata?: { labels?: Record<string, string> } } | null;
    if (!obj || typeof obj !== "object") continue;
    obj.metadata ??= {};
    obj.metadata.labels = {
      ...obj.metadata.labels,
      "helm.toolkit.fluxcd.io/name": name,
      "helm.toolkit.fluxcd.io/namespace": namespace,
    };
    out.push(stringify(obj));
  }
  process.stdout.write(out.join("---\n"));
});
