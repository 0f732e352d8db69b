import { existsSync, readFileSync, renameSync, rmSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheRoot, goInstallCached, goModDownload } from "../../tools/cache";

/**
 * The policy CLIs `bonsai audit` is compared with, built once from the Go module proxy and cached under
 * ~/.cache/bonsai/bin/<tool>-<version>/ (tools/cache.ts). Both go.mod files are free of replace directives, so
 * `go install` builds them as published. The Kyverno CLI comes from bench/peers/kyverno (ensureKyverno()).
 */
export const KUBE_SCORE = { name: "kube-score", version: "v1.20.0", pkg: "github.com/zegl/kube-score/cmd/kube-score" };
export const KUBECONFORM = {
  name: "kubeconform",
  version: "v0.8.0",
  pkg: "github.com/yannh/kubeconform/cmd/kubeconform",
};
/** The Kubernetes version whose OpenAPI document kubeconform validates against (the control plane's). */
export const SCHEMA_KUBERNETES = "v1.35.4";

export const ensureKubeScore = (): string => goInstallCached(KUBE_SCORE);
export const ensureKubeconform = (): string => goInstallCached(KUBECONFORM);

interface Swagger {
  definitions: Record<
    string,
    { "x-kubernetes-group-version-kind"?: { group: string; version: string; kind: string }[] }
  >;
}

/**
 * kubeconform validates against one JSON schema per kind and downloads them from GitHub by default, which these
 * machines cannot reach. They are made here from the OpenAPI v2 document in the k8s.io/kubernetes module
 * (api/openapi-spec/swagger.json): all definitions in one file, and per kind a file that refers into it, named
 * as kubeconform's `{{.ResourceKind}}{{.KindSuffix}}` template expects (`deployment-apps-v1.json`). As upstream's
 * openapi2jsonschema does, IntOrString and Quantity accept a string or a number (the document says string only).
 * Returns the `-schema-location` template.
 */
export function ensureKubeconformSchemas(): string {
  const dir = join(cacheRoot(), `kubeconform-schemas-${SCHEMA_KUBERNETES}`);
  const template = `${dir}/{{.ResourceKind}}{{.KindSuffix}}.json`;
  if (existsSync(join(dir, ".complete"))) return template;
  const swaggerPath = join(
    goModDownload("k8s.io/kubernetes", SCHEMA_KUBERNETES),
    "api",
    "openapi-spec",
    "swagger.json",
  );
  const swagger = JSON.parse(readFileSync(swaggerPath, "utf8")) as Swagger;
  const either = { oneOf: [{ type: "string" }, { type: "number" }] };
  const definitions: Record<string, unknown> = {
    ...swagger.definitions,
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": either,
    "io.k8s.apimachinery.pkg.api.resource.Quantity": either,
  };
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, "_definitions.json"), JSON.stringify({ definitions }));
  let kinds = 0;
  for (const [name, def] of Object.entries(swagger.definitions)) {
    for (const gvk of def["x-kubernetes-group-version-kind"] ?? []) {
      const suffix = gvk.group ? `-${gvk.group.split(".")[0]}-${gvk.version}` : `-${gvk.version}`;
      const file = join(tmp, `${gvk.kind.toLowerCase()}${suffix}.json`);
      writeFileSync(file, JSON.stringify({ $ref: `_definitions.json#/definitions/${name}` }));
      kinds++;
    }
  }
  writeFileSync(join(tmp, ".complete"), `${swaggerPath}: ${kinds} kinds\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return template;
}

if (require.main === module) {
  process.stdout.write(`${ensureKubeScore()}\n${ensureKubeconform()}\n${ensureKubeconformSchemas()}\n`);
}
