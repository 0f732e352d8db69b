/**
 * The one renderer and YAML reader of the repository. What a cluster gets from git, rendered as Flux would:
 *
 * - `renderPlatform(repoRoot?, cluster?)`: `clusters/<cluster>`'s entry objects and every layer (a Flux
 *   Kustomization) in dependsOn order, each with its kustomize output and what its HelmReleases of our own
 *   charts install; `platformObjects(p)` flattens it in apply order.
 * - `renderLayer(layer)`, `clusterLayers(repoRoot)`: one layer, the ordered layers.
 * - `loadInputs(paths)`: files, folders, kustomization roots and chart folders given on a command line
 *   (`bonsai audit`, `bonsai footprint <path>`), each object with its source.
 * - `parseYaml(text, source)` / `parseObjects(text, source)`: YAML as the API server reads it.
 *
 * kustomize and helm come from tools/kustomize.ts and tools/helm.ts (built once from the Go module proxy).
 */
export { parseObjects, parseYaml, parseYamlValue, InputError } from "./yaml";
export type { ForeignDocument, SourcedObject } from "./yaml";
export { clusterLayers, isFluxKustomization, orderLayers } from "./layers";
export type { Layer } from "./layers";
export { platformObjects, renderLayer, renderPlatform, REPO_ROOT } from "./platform";
export type { RenderedLayer, RenderedPlatform } from "./platform";
export { renderChart, renderLocalRelease } from "./charts";
export { loadInputs } from "./inputs";
export { clusterQuotaSize, moduleOverlay, moduleOverlayDir } from "./module-overlay";
export type { ModuleOverlay, ModulePatch } from "./module-overlay";
export type { LoadedInputs } from "./inputs";
