import { AppNamespace, QUOTA } from "./platform";

/**
 * The quota each app namespace gets, by the size of the cluster. The numbers live here only; a cluster picks a
 * size by name through the module's environment (QUOTA_SIZE_ENV, set by the Deployment patches of
 * `clusters/overlays/<cluster>/pepr-module/`, which `bonsai up --cluster <cluster>` applies after `pepr deploy`).
 * A name and not numbers in the patch: the module stays the one owner of the quota, and a size is reviewed
 * here with its reasons, not hand-tuned per cluster. Without the variable the module uses the seed's numbers.
 */
export const QUOTA_SIZE_ENV = "BONSAI_QUOTA_SIZE";

export type QuotaHard = { readonly [K in keyof typeof QUOTA.hard]: string };

export const QUOTA_SIZES = {
  /** The Mac Mini: the seed's quota in every app namespace. */
  "single-node": {},
  /**
   * clusters/multi-node: infra holds 3 Kafka brokers, 3 PostgreSQL instances (CloudNativePG) and 3 poolers —
   * 1.9 CPU / 3.8 GiB requested, 8.5 CPU / 7.9 GiB of limits and 6 claims with the single node's other tools
   * (test/repo/multi-node-quota.test.ts computes it from the rendered overlay). On top of that the quota leaves
   * room for what the engines do in operation: CloudNativePG's join Job for a new replica (an instance's
   * resources) and a replacement instance's new claim while the lost one is deleted, and a pooler's surge pod
   * during a rollout. The other namespaces fit the seed's quota on three nodes (the same test).
   */
  "three-node": {
    infra: {
      "requests.cpu": "6",
      "requests.memory": "6Gi",
      "limits.cpu": "12",
      "limits.memory": "12Gi",
      persistentvolumeclaims: "8",
    },
  },
} as const satisfies Record<string, Partial<Record<AppNamespace, QuotaHard>>>;

export type QuotaSize = keyof typeof QUOTA_SIZES;
export const DEFAULT_QUOTA_SIZE: QuotaSize = "single-node";

export function isQuotaSize(name: string): name is QuotaSize {
  return Object.prototype.hasOwnProperty.call(QUOTA_SIZES, name);
}

/** The size named by `value` (the variable's value or a patch's); unset is the default, unknown is an error. */
export function quotaSizeNamed(value: string | undefined, where = `environment variable ${QUOTA_SIZE_ENV}`): QuotaSize {
  if (value === undefined || value === "") return DEFAULT_QUOTA_SIZE;
  if (isQuotaSize(value)) return value;
  throw new Error(
    `${where} is ${JSON.stringify(value.slice(0, 64))}, not a quota size; use one of ` +
      `${Object.keys(QUOTA_SIZES).join(", ")} (capabilities/config/quota-sizes.ts) or leave it unset`,
  );
}

/** The size this process runs with (the module's pods, the audit CLI): from its environment. */
export function activeQuotaSize(env: NodeJS.ProcessEnv = process.env): QuotaSize {
  return quotaSizeNamed(env[QUOTA_SIZE_ENV]);
}

/** The quota of `namespace` at `size`: the size's numbers for it, else the seed's. */
export function quotaFor(namespace: string | undefined, size: QuotaSize = activeQuotaSize()): QuotaHard {
  const sized: Partial<Record<string, QuotaHard>> = QUOTA_SIZES[size];
  return sized[namespace ?? ""] ?? QUOTA.hard;
}
