import { imageReference, parseImage } from "../../capabilities/policies/images/image-reference";
import { parseExemption, covers } from "../../capabilities/engine/exemptions";
import { KNOWN_RULES } from "../../capabilities/engine/registry";
import { contextFromObjects } from "../../capabilities/engine/context";
import { applyModes, evaluateObject } from "../../capabilities/engine/engine";
import { decideAdmission } from "../../capabilities/engine/admission";
import { MODE_OVERRIDES, modeOverrides } from "../../capabilities/engine/modes";
import type { KubeObject } from "../../capabilities/k8s/object";
import type { PolicyResult } from "../../capabilities/engine/result";
import { compliantPod, withSpec } from "../support/pods";

const ctx = (objects: KubeObject[] = [], mutate = false) =>
  contextFromObjects(objects, { level: "restricted", mutate });

describe("image references", () => {
  it.each([
    "nginx:1.27",
    "docker.io/library/nginx:1.27.3",
    "localhost:5000/a/b:v1",
    "ghcr.io/x/y@sha256:" + "a".repeat(64),
    "kafka:4.1.0-rc1",
  ])("%s is well-formed and pinned", image => {
    expect(parseImage(image)).toBeDefined();
    const pod = withSpec(compliantPod(), s => (s.containers[0].image = image));
    expect(imageReference.evaluate(pod, ctx())[0].result).toBe("pass");
  });
  it.each([
    ["nginx", "pinned-tag", "(no tag means latest)"],
    ["nginx:latest", "pinned-tag", "a version tag other than latest"],
    ["Nginx:1.0", "well-formed", "not a valid image reference"],
    ["nginx::1", "well-formed", "not a valid image reference"],
    ["", "well-formed", "is unset"],
  ])("%p fails %s", (image, rule, fragment) => {
    const pod = withSpec(compliantPod(), s => (s.initContainers[0].image = image));
    const [r] = imageReference.evaluate(pod, ctx());
    expect(r).toMatchObject({ result: "fail", rule });
    expect(r.message).toContain('spec.initContainers[0].image (container "init")');
    expect(r.message).toContain(fragment);
  });
});

const exemption = (spec: Record<string, unknown>, name = "ingress-lb"): KubeObject => ({
  apiVersion: "policy.bonsai.dev/v1alpha1",
  kind: "Exemption",
  metadata: { name },
  spec,
});
const lbExemption = exemption({
  reason: "The ingress controller is the platform's single entry point (k3d maps 8080/8443 to it).",
  policies: [{ policy: "service-type", rules: ["loadbalancer"] }],
  match: { namespaces: ["ingress-nginx"], kinds: ["Service"], names: ["ingress-nginx(-controller)?"] },
});
const lbService = (namespace: string, name = "ingress-nginx-controller"): KubeObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace },
  spec: { type: "LoadBalancer" },
});

describe("exemptions", () => {
  it("parse when valid", () => {
    const { exemption: e, problems } = parseExemption(lbExemption, KNOWN_RULES);
    expect(problems).toEqual([]);
    expect(e!.name).toBe("ingress-lb");
  });

  it.each([
    [{ ...(lbExemption.spec as object), reason: "" }, "spec.reason must say why"],
    [
      { ...(lbExemption.spec as object), policies: [{ policy: "nope" }] },
      'spec.policies[0].policy "nope" is not a Bonsai policy; known policies:',
    ],
    [
      { ...(lbExemption.spec as object), policies: [{ policy: "service-type", rules: ["nodeport"] }] },
      'spec.policies[0].rules[0] "nodeport" is not a rule of service-type',
    ],
    [
      { ...(lbExemption.spec as object), match: { namespaces: ["ingress-nginx"], names: ["(unclosed"] } },
      'spec.match.names[0] "(unclosed" is not a valid regular expression',
    ],
    [
      { ...(lbExemption.spec as object), match: { namespaces: ["*"] } },
      "spec.match.namespaces must list namespaces by exact name",
    ],
    [{ ...(lbExemption.spec as object), match: undefined }, "spec.match is missing"],
  ])("refuse invalid specs with the field path and the fix (%#)", (spec, fragment) => {
    const bad = exemption(spec as Record<string, unknown>);
    expect(
      parseExemption(bad, KNOWN_RULES)
        .problems.map(p => `${p.path} ${p.message}`)
        .join("\n"),
    ).toContain(fragment);
    const decision = decideAdmission({ object: bad, operation: "CREATE" }, ctx());
    expect(decision.allowed).toBe(false);
    expect(decision.message).toContain("[exemptions/valid-exemption]");
  });

  it("turn the covered failure into a skip that names the exemption, and only that one", () => {
    const results = evaluateObject(lbService("ingress-nginx"), ctx([lbExemption]));
    expect(results).toEqual([
      expect.objectContaining({
        result: "skip",
        rule: "loadbalancer",
        properties: expect.objectContaining({ exemption: "ingress-lb" }),
      }),
    ]);
    expect(results[0].message).toMatch(/^exempted by Exemption ingress-lb \(The ingress controller/);
    expect(evaluateObject(lbService("backend"), ctx([lbExemption]))[0].result).toBe("fail");
    expect(evaluateObject(lbService("ingress-nginx", "other"), ctx([lbExemption]))[0].result).toBe("fail");
  });

  it("admit the exempted LoadBalancer and refuse it without the exemption", () => {
    expect(
      decideAdmission({ object: lbService("ingress-nginx"), operation: "CREATE" }, ctx([lbExemption])).allowed,
    ).toBe(true);
    expect(decideAdmission({ object: lbService("ingress-nginx"), operation: "CREATE" }, ctx([])).allowed).toBe(false);
  });

  it("cover every rule with '*' and never a policy they do not name", () => {
    const e = parseExemption(
      exemption({
        reason: "Legacy image pinned by digest upstream.",
        policies: [{ policy: "image-reference", rules: ["*"] }],
        match: { namespaces: ["infra"] },
      }),
      KNOWN_RULES,
    ).exemption!;
    const r = (policy: string, rule: string): PolicyResult => ({
      policy,
      rule,
      result: "fail",
      message: "",
      category: "",
      severity: "high",
      resource: { apiVersion: "v1", kind: "Pod", name: "p", namespace: "infra" },
    });
    expect(covers(e, r("image-reference", "pinned-tag"))).toBe(true);
    expect(covers(e, r("service-type", "loadbalancer"))).toBe(false);
  });
});

describe("modes", () => {
  const fail = (policy: string): PolicyResult => ({
    policy,
    rule: "r",
    result: "fail",
    message: "m",
    category: "c",
    severity: "high",
    resource: { apiVersion: "v1", kind: "Service", name: "s", namespace: "backend" },
  });
  afterEach(() => {
    for (const policy of Object.keys(MODE_OVERRIDES)) delete MODE_OVERRIDES[policy];
  });

  it("enforce keeps fail; warn turns it into warn; audit keeps fail marked mode=audit", () => {
    MODE_OVERRIDES["service-type"] = "warn";
    MODE_OVERRIDES["image-reference"] = "audit";
    const [enforced, warned, audited] = applyModes([
      fail("pod-hardening"),
      fail("service-type"),
      fail("image-reference"),
    ]);
    expect(enforced.result).toBe("fail");
    expect(warned).toMatchObject({ result: "warn", properties: { mode: "warn" } });
    expect(audited).toMatchObject({ result: "fail", properties: { mode: "audit" } });
  });

  it("admission denies in enforce, admits with a warning in warn, admits silently in audit", () => {
    const nodePort: KubeObject = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "s", namespace: "backend" },
      spec: { type: "NodePort" },
    };
    expect(decideAdmission({ object: nodePort, operation: "CREATE" }, ctx())).toMatchObject({ allowed: false });
    MODE_OVERRIDES["service-type"] = "warn";
    const warned = decideAdmission({ object: nodePort, operation: "CREATE" }, ctx());
    expect(warned.allowed).toBe(true);
    expect(warned.warnings).toEqual([
      '[service-type/no-nodeport] spec.type is "NodePort"; allowed: "ClusterIP" (expose through an Ingress)',
    ]);
    MODE_OVERRIDES["service-type"] = "audit";
    const audited = decideAdmission({ object: nodePort, operation: "CREATE" }, ctx());
    expect(audited).toMatchObject({ allowed: true, warnings: [] });
    expect(audited.results[0]).toMatchObject({ result: "fail", properties: { mode: "audit" } });
  });
});

describe("mode overrides (BONSAI_MODES)", () => {
  it("parses a JSON object of known policies and modes", () => {
    expect(modeOverrides('{"service-type":"warn","image-reference":"audit"}')).toEqual({
      "service-type": "warn",
      "image-reference": "audit",
    });
    expect(modeOverrides(undefined)).toEqual({});
  });
  it.each([
    ["{nope", "BONSAI_MODES is not JSON"],
    ["[1]", "must be a JSON object"],
    ['{"no-such-policy":"warn"}', 'unknown policy "no-such-policy"'],
    ['{"service-type":"block"}', 'sets service-type to "block"; allowed: enforce, warn, audit'],
  ])("refuses %s", (raw, message) => expect(() => modeOverrides(raw)).toThrow(message));
});
