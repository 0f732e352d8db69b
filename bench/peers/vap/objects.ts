import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { KubeObject } from "../../../capabilities/k8s/object";

/** The namespace label that the binding selects: a namespace with it gets the CEL policy, others do not. */
export const VAP_NAMESPACE_LABEL = { key: "bench.bonsai.dev/peer", value: "vap" } as const;

export const VAP_POLICY_NAME = "pss-restricted.bench.bonsai.dev";

/** The ValidatingAdmissionPolicy and its binding, as the YAML files next to this one define them. */
export function vapObjects(): { policy: KubeObject; binding: KubeObject } {
  const read = (file: string) => parse(readFileSync(join(__dirname, file), "utf8")) as KubeObject;
  return { policy: read("pss-restricted.policy.yaml"), binding: read("pss-restricted.binding.yaml") };
}
