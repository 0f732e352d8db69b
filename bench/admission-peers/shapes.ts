import type { KubeObject } from "../../capabilities/k8s/object";
import type { Judge, LoadRequest } from "../lib/load";
import {
  asWorkload,
  BENCH_NAMESPACE,
  compliantDeployment,
  compliantPod,
  largePod,
  privilegedPod,
} from "../lib/objects";
import { VAP_POLICY_NAME } from "../peers/vap/objects";

/** The four ways of enforcing PSS restricted that the bench compares on one API server. */
export const PEERS = ["pss", "vap", "kyverno", "bonsai"] as const;
export type Peer = (typeof PEERS)[number];

export const PEER_TITLES: Record<Peer, string> = {
  pss: "(a) built-in PodSecurity restricted, no webhook",
  vap: "(b) ValidatingAdmissionPolicy (CEL), no webhook",
  kyverno: "(c) Kyverno 1.19.1 webhook, podSecurity restricted",
  bonsai: "(d) Bonsai (Pepr module) webhook",
};

/**
 * What an answer must say for a peer's denial to count: the API server names the plugin, the policy or the
 * webhook that refused. A denial by anyone else (say, PodSecurity while Kyverno is measured) is a wrong verdict.
 */
const DENIED_BY: Record<Peer, RegExp> = {
  pss: /violates PodSecurity "restricted:latest"/,
  vap: new RegExp(`ValidatingAdmissionPolicy '${VAP_POLICY_NAME.replace(/\./g, "\\.")}' with binding`),
  kyverno: /admission webhook "validate\.kyverno\.svc-fail" denied the request/,
  bonsai: /admission webhook "guardrails\.(mutate|validate)\.bench\.bonsai\.dev" denied the request/,
};

/**
 * The built-in plugin does not deny workloads, it warns: that is its verdict on a violating Deployment. The
 * Warning header quotes its text, so the inner quotes arrive escaped.
 */
const PSA_WORKLOAD_WARNING = /would violate PodSecurity \\?"restricted:latest\\?"/;

export interface Shape {
  label: string;
  object: KubeObject;
  violating: boolean;
}

/** Compliant and violating Pods and Deployments; the large pod shows how each peer's cost grows with size. */
export const SHAPES: Shape[] = [
  { label: "pod/compliant", object: compliantPod(), violating: false },
  { label: "pod/privileged", object: privilegedPod(), violating: true },
  { label: "pod/large", object: largePod(), violating: false },
  { label: "deployment/compliant", object: compliantDeployment(), violating: false },
  { label: "deployment/privileged", object: asWorkload("Deployment", privilegedPod("priv"), "priv"), violating: true },
];

export type Verdict = "admitted" | "warned" | "denied";

/** The verdict each peer must give each shape. */
export function expectedVerdict(peer: Peer, shape: Shape): Verdict {
  if (!shape.violating) return "admitted";
  return peer === "pss" && shape.object.kind !== "Pod" ? "warned" : "denied";
}

export function requestFor(n: number): LoadRequest {
  const shape = n % SHAPES.length;
  const obj = SHAPES[shape].object;
  const path =
    obj.kind === "Pod"
      ? `/api/v1/namespaces/${BENCH_NAMESPACE}/pods?dryRun=All`
      : `/apis/apps/v1/namespaces/${BENCH_NAMESPACE}/deployments?dryRun=All`;
  return { path, body: Buffer.from(JSON.stringify(obj)), shape, uid: "" };
}

function messageOf(body: Buffer): string {
  const text = body.toString("utf8");
  try {
    return (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {
    return text;
  }
}

/**
 * A dry-run create's answer judged against what `peer` must say about that shape. Anything else — an error, a
 * denial by someone else, an admission of a violating object, a missing PodSecurity warning — is recorded as an
 * error of kind "wrong verdict: …", so that a peer that lets a violation through fails the run.
 */
export function judgeFor(peer: Peer): Judge {
  return (status, body, r, headers) => {
    const shape = SHAPES[r.shape];
    const expected = expectedVerdict(peer, shape);
    const warning = [headers.warning ?? []].flat().join("\n");
    let got: Verdict | undefined;
    let detail = "";
    if (status === 201) got = PSA_WORKLOAD_WARNING.test(warning) ? "warned" : "admitted";
    else if (status >= 400 && status < 500) {
      const message = messageOf(body);
      if (DENIED_BY[peer].test(message)) got = "denied";
      else detail = `refused by someone else: ${message.slice(0, 160)}`;
    } else detail = `HTTP ${status}: ${messageOf(body).slice(0, 160)}`;
    if (got === expected) return { allowed: got !== "denied" };
    return { error: `wrong verdict for ${shape.label}: expected ${expected}, got ${got ?? detail}` };
  };
}
