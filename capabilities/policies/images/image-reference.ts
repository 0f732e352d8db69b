import { KubeObject } from "../../k8s/object";
import { Failure, Policy, verdicts } from "../../engine/policy";
import { resourceRef } from "../../engine/result";
import { containersOf } from "../../k8s/containers";
import { podTemplateOf, POD_CARRYING_KINDS } from "../../k8s/pod-template";

// The grammar of github.com/distribution/reference, the one container runtimes parse images with.
const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);

export interface ParsedImage {
  name: string;
  tag?: string;
  digest?: string;
}

/** Parses an image reference, or returns undefined when it is not well-formed. */
export function parseImage(image: string): ParsedImage | undefined {
  const m = REFERENCE.exec(image);
  if (!m || m[1].length > 255) return undefined;
  // "host:port/name" without a tag matches NAME; a bare "name:port" does not exist, so no ambiguity remains.
  return { name: m[1], tag: m[2], digest: m[3] };
}

/**
 * Images must be well-formed and pinned: a tag other than `latest`, or a digest. A moving tag makes the
 * same manifest run different code on different days, and `latest` also switches pull policy to Always.
 */
export const imageReference: Policy = {
  name: "image-reference",
  category: "Supply Chain",
  description: "Well-formed image references with a tag other than latest, or a digest",
  mode: "enforce",
  kinds: POD_CARRYING_KINDS,
  rules: [
    {
      id: "well-formed",
      title: "Every container's image is a valid [registry/]repository[:tag][@digest]",
      severity: "high",
    },
    {
      id: "pinned-tag",
      title: "Every image is pinned by a version tag other than latest, or by digest",
      severity: "medium",
    },
  ],
  evaluate: (obj: KubeObject) => {
    const pod = podTemplateOf(obj);
    if (!pod || pod.missing) return [];
    const failures: Failure[] = [];
    for (const c of containersOf(pod.spec, pod.prefix)) {
      const image = c.container.image;
      const path = `${c.path}.image`;
      const where = `${path} (container "${c.name}")`;
      if (typeof image !== "string" || !image) {
        failures.push({
          rule: "well-formed",
          fields: [path],
          message: `${where} is unset; set an image reference such as "nginx:1.27.3"`,
        });
        continue;
      }
      const parsed = parseImage(image);
      if (!parsed) {
        failures.push({
          rule: "well-formed",
          fields: [path],
          message: `${where} is "${image}", not a valid image reference; allowed: [registry/]repository[:tag][@digest] in lower case, e.g. "docker.io/library/nginx:1.27.3"`,
        });
      } else if (!parsed.digest && (!parsed.tag || parsed.tag === "latest")) {
        failures.push({
          rule: "pinned-tag",
          fields: [path],
          message: `${where} is "${image}"${parsed.tag ? "" : " (no tag means latest)"}; allowed: a version tag other than latest, or a digest (@sha256:…)`,
        });
      }
    }
    return verdicts(imageReference, resourceRef(obj), failures, "every image is well-formed and pinned");
  },
};
