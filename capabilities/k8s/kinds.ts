import { EXEMPTION_API_VERSION, EXEMPTION_KIND } from "../engine/exemptions";

/** Where the API server serves a kind: what a list through the API (or `kubectl get`) needs. */
export interface KindInfo {
  apiVersion: string;
  /** The resource name, e.g. `deployments`. */
  plural: string;
}

/** Every kind a Bonsai policy evaluates (the registry refuses to load a policy whose kind is missing here). */
export const KINDS: Readonly<Record<string, KindInfo>> = {
  Pod: { apiVersion: "v1", plural: "pods" },
  PodTemplate: { apiVersion: "v1", plural: "podtemplates" },
  ReplicationController: { apiVersion: "v1", plural: "replicationcontrollers" },
  ReplicaSet: { apiVersion: "apps/v1", plural: "replicasets" },
  Deployment: { apiVersion: "apps/v1", plural: "deployments" },
  StatefulSet: { apiVersion: "apps/v1", plural: "statefulsets" },
  DaemonSet: { apiVersion: "apps/v1", plural: "daemonsets" },
  Job: { apiVersion: "batch/v1", plural: "jobs" },
  CronJob: { apiVersion: "batch/v1", plural: "cronjobs" },
  Service: { apiVersion: "v1", plural: "services" },
  NetworkPolicy: { apiVersion: "networking.k8s.io/v1", plural: "networkpolicies" },
  ResourceQuota: { apiVersion: "v1", plural: "resourcequotas" },
  LimitRange: { apiVersion: "v1", plural: "limitranges" },
  Namespace: { apiVersion: "v1", plural: "namespaces" },
  Role: { apiVersion: "rbac.authorization.k8s.io/v1", plural: "roles" },
  ClusterRole: { apiVersion: "rbac.authorization.k8s.io/v1", plural: "clusterroles" },
  [EXEMPTION_KIND]: { apiVersion: EXEMPTION_API_VERSION, plural: "exemptions" },
};

/** The API group of an apiVersion ("" for the core group). */
export const groupOf = (apiVersion: string): string => (apiVersion.includes("/") ? apiVersion.split("/")[0] : "");
