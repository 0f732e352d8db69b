import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { VAP_NAMESPACE_LABEL, VAP_POLICY_NAME, vapObjects } from "../../bench/peers/vap/objects";
import type { KubeObject } from "../../capabilities/k8s/object";
import { ControlPlane } from "../../tools/controlplane/controlplane";
import { KubeApi, KubeApiError } from "../../tools/controlplane/kube-api";
import { loadPsaFixtures, PSA_VERSION } from "../../tools/psa-fixtures";
import { SETUP_TIMEOUT_MS } from "../e2e/cluster";

// The admission bench's CEL peer (bench/peers/vap/) must judge like the built-in PodSecurity admission: every
// Pod Security Admission fixture is created with dryRun=All in a namespace enforcing restricted through the
// built-in plugin, and in one where only the ValidatingAdmissionPolicy applies, on one real kube-apiserver.
let cp: ControlPlane;
let api: KubeApi;
const PSA_NS = "pss-builtin";
const VAP_NS = "pss-vap";
const OPEN_NS = "pss-open";

beforeAll(async () => {
  cp = await ControlPlane.start({ stateDir: mkdtempSync(join(tmpdir(), "bonsai-vap-")), kwok: false });
  api = cp.api();
  const { policy, binding } = vapObjects();
  await api.post("/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies", policy);
  await api.post("/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings", binding);
  const ns = (name: string, labels: Record<string, string>) =>
    api.post("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } });
  await ns(PSA_NS, { "pod-security.kubernetes.io/enforce": "restricted" });
  await ns(VAP_NS, { [VAP_NAMESPACE_LABEL.key]: VAP_NAMESPACE_LABEL.value });
  await ns(OPEN_NS, {});
  // The policy is compiled and the binding seen from informers: wait until a violating pod is denied.
  const deadline = Date.now() + 30_000;
  while ((await create(VAP_NS, privileged())).verdict !== "denied") {
    if (Date.now() > deadline) throw new Error("the ValidatingAdmissionPolicy is not in effect after 30 s");
    await new Promise(r => setTimeout(r, 200));
  }
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  api?.close();
  await cp?.stop();
});

type Verdict = "admitted" | "denied" | "invalid";

const pathFor = (ns: string, o: KubeObject) =>
  o.kind === "Pod"
    ? `/api/v1/namespaces/${ns}/pods?dryRun=All`
    : `/apis/apps/v1/namespaces/${ns}/deployments?dryRun=All`;

/** A dry-run create: admitted, denied by admission (403), or refused by API validation (422, before it). */
async function create(ns: string, o: KubeObject): Promise<{ verdict: Verdict; message: string }> {
  try {
    await api.post(pathFor(ns, o), o);
    return { verdict: "admitted", message: "" };
  } catch (err) {
    if (!(err instanceof KubeApiError)) throw err;
    if (err.status === 403) return { verdict: "denied", message: err.message };
    if (err.status === 422) return { verdict: "invalid", message: err.message };
    throw err;
  }
}

function privileged(): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "privileged" },
    spec: { containers: [{ name: "app", image: "busybox:1.37", securityContext: { privileged: true } }] },
  };
}

const fixtures = loadPsaFixtures();

describe(`the PSS restricted ValidatingAdmissionPolicy on kube-apiserver, against PSA ${PSA_VERSION}'s fixtures`, () => {
  it("gives the built-in PodSecurity admission's verdict for every fixture, and the denial is the policy's", async () => {
    const disagreements: string[] = [];
    const misattributed: string[] = [];
    let denied = 0;
    let admitted = 0;
    for (const f of fixtures) {
      const pod = parse(f.text) as KubeObject;
      // Some fixture names have underscores, which API validation refuses before admission runs.
      const meta = pod.metadata as { name: string };
      meta.name = meta.name.replace(/_/g, "-");
      const [builtin, cel] = await Promise.all([create(PSA_NS, pod), create(VAP_NS, pod)]);
      const name = `${f.level}/${f.expect}/${f.file.split("/").pop()}`;
      if (builtin.verdict !== cel.verdict)
        disagreements.push(`${name}: PodSecurity ${builtin.verdict}, VAP ${cel.verdict} ${cel.message}`);
      // Restricted pass fixtures must pass; everything that fails baseline or restricted must be denied.
      const expected: Verdict = f.level === "restricted" && f.expect === "pass" ? "admitted" : "denied";
      if (cel.verdict !== "invalid" && cel.verdict !== expected) disagreements.push(`${name}: expected ${expected}`);
      if (cel.verdict === "admitted") admitted++;
      if (cel.verdict === "denied") {
        denied++;
        if (!cel.message.includes(`ValidatingAdmissionPolicy '${VAP_POLICY_NAME}'`))
          misattributed.push(`${name}: ${cel.message}`);
      }
    }
    expect(disagreements).toEqual([]);
    expect(misattributed).toEqual([]);
    // 121 denied and 23 admitted on v1.35.4 (4 fixtures are refused by API validation first): not vacuous.
    expect(denied).toBeGreaterThan(110);
    expect(admitted).toBeGreaterThan(20);
  }, 120_000);

  it("denies a Deployment whose pod template breaks a check (the built-in plugin only warns) and admits a compliant one", async () => {
    const deployment = (spec: Record<string, unknown>): KubeObject => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec } },
    });
    const restrictedSpec = {
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
      containers: [
        {
          name: "app",
          image: "nginx:1.27.3",
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
        },
      ],
    };
    expect((await create(VAP_NS, deployment(restrictedSpec))).verdict).toBe("admitted");
    const bad = await create(VAP_NS, deployment(privileged().spec as Record<string, unknown>));
    expect(bad.verdict).toBe("denied");
    expect(bad.message).toContain("privileged:");
    expect((await create(PSA_NS, deployment(privileged().spec as Record<string, unknown>))).verdict).toBe("admitted");
  });

  it("is scoped by its binding: a namespace without the label admits the privileged pod", async () => {
    expect((await create(OPEN_NS, privileged())).verdict).toBe("admitted");
  });
});
