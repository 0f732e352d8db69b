import { spawnSync } from "node:child_process";
import { KubeObject, list, record } from "../../capabilities/k8s/object";
import { podTemplateOf } from "../../capabilities/k8s/pod-template";

/** kubectl bounded by a timeout: a cluster that does not answer fails the check, it does not hang `bonsai smoke`. */
export type SmokeKubectl = (args: string[], timeoutMs: number) => { code: number; stdout: string; stderr: string };

export function kubectlFor(binary: string, target: string[]): SmokeKubectl {
  return (args, timeoutMs) => {
    const r = spawnSync(binary, [...target, "--request-timeout", `${Math.ceil(timeoutMs / 1000)}s`, ...args], {
      encoding: "utf8",
      timeout: timeoutMs,
      killSignal: "SIGKILL",
      maxBuffer: 64 * 1024 * 1024,
    });
    const why = r.error ? (r.error.message.includes("ETIMEDOUT") ? "kubectl timed out" : r.error.message) : "";
    return { code: r.status ?? 1, stdout: r.stdout ?? "", stderr: `${r.stderr ?? ""}${why}`.trim() };
  };
}

export function listObjects(kubectl: SmokeKubectl, resources: string, timeoutMs: number): KubeObject[] {
  const r = kubectl(["get", resources, "-A", "-o", "json"], timeoutMs);
  if (r.code !== 0) throw new Error(`kubectl get ${resources}: ${r.stderr || `exit ${r.code}`}`);
  return ((JSON.parse(r.stdout) as { items?: KubeObject[] }).items ?? []).slice(0, 10_000);
}

export interface SecretUse {
  namespace: string;
  name: string;
  key: string;
  usedBy: string;
}

/** Every non-optional secretKeyRef of the workloads' pod templates. */
export function secretUses(workloads: KubeObject[]): SecretUse[] {
  const uses: SecretUse[] = [];
  for (const o of workloads) {
    const pod = podTemplateOf(o);
    if (!pod || pod.missing) continue;
    const namespace = String(o.metadata?.namespace ?? "default");
    for (const c of [...list(pod.spec.initContainers), ...list(pod.spec.containers)])
      for (const env of list(record(c)?.env)) {
        const ref = record(record(record(env)?.valueFrom)?.secretKeyRef);
        if (!ref || ref.optional === true || typeof ref.name !== "string" || typeof ref.key !== "string") continue;
        uses.push({
          namespace,
          name: ref.name,
          key: ref.key,
          usedBy: `${o.kind} ${namespace}/${o.metadata?.name} env ${String(record(env)?.name)}`,
        });
      }
  }
  return uses;
}

/** A key of a Secret, decoded; undefined when the Secret or the key is missing. */
export function secretValue(kubectl: SmokeKubectl, ns: string, name: string, key: string, timeoutMs: number) {
  const r = kubectl(["get", "secret", name, "-n", ns, "-o", "json"], timeoutMs);
  if (r.code !== 0) return undefined;
  const data = (JSON.parse(r.stdout) as { data?: Record<string, string> }).data ?? {};
  return data[key] === undefined ? undefined : Buffer.from(data[key], "base64").toString("utf8");
}
