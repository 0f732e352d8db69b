import type { Footprint } from "./compute";

/** The target machine: a 16 GB Mac Mini whose Docker VM gets 8 GB; the platform may request at most 6 GiB. */
export const MAC_MINI = {
  hostMemoryGiB: 16,
  dockerVmMemoryGiB: 8,
  memoryRequestsTargetGiB: 6,
} as const;

export interface Verdict {
  fits: boolean;
  memoryRequestsGiB: number;
  memoryLimitsGiB: number;
  cpuRequests: number;
  headroomGiB: number;
  reasons: string[];
}

const GiB = 2 ** 30;

/** Does it fit? Judged on memory requests against the target; limits and unbounded pods are reported. */
export function verdict(f: Footprint): Verdict {
  const req = f.total.requests.memory / GiB;
  const lim = f.total.limits.memory / GiB;
  const reasons: string[] = [];
  const fits = req <= MAC_MINI.memoryRequestsTargetGiB;
  reasons.push(
    `memory requests ${req.toFixed(2)} GiB ${fits ? "≤" : ">"} the ${MAC_MINI.memoryRequestsTargetGiB} GiB target ` +
      `(${MAC_MINI.dockerVmMemoryGiB} GiB Docker VM on a ${MAC_MINI.hostMemoryGiB} GB Mac Mini)`,
  );
  if (lim > MAC_MINI.dockerVmMemoryGiB)
    reasons.push(
      `memory limits ${lim.toFixed(2)} GiB exceed the ${MAC_MINI.dockerVmMemoryGiB} GiB VM: overcommitted; if every pod grows to its limit, the kernel OOM-kills`,
    );
  if (f.total.limits.memoryUnbounded)
    reasons.push(`${f.total.limits.memoryUnbounded} pod(s) have no memory limit (no container limit, no default)`);
  return {
    fits,
    memoryRequestsGiB: Math.round(req * 100) / 100,
    memoryLimitsGiB: Math.round(lim * 100) / 100,
    cpuRequests: Math.round(f.total.requests.cpu * 1000) / 1000,
    headroomGiB: Math.round((MAC_MINI.memoryRequestsTargetGiB - req) * 100) / 100,
    reasons,
  };
}
