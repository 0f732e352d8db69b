import { join } from "node:path";

/** The ClusterPolicy both Kyverno peers use: podSecurity restricted, `version: latest`, Enforce. */
export const KYVERNO_POLICY_FILE = join(__dirname, "pss-restricted.clusterpolicy.yaml");
export const KYVERNO_POLICY_NAME = "pss-restricted";
