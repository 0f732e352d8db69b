import { randomBytes } from "node:crypto";
import { stringify } from "yaml";
import type { Kubectl } from "./apply-layers";

/**
 * The one way Bonsai builds and creates a Secret (generated passwords, the SOPS key, the local TLS certificate),
 * so that every one is Opaque-or-typed the same way, labelled, and handed to kubectl on stdin only: a value never
 * stands on a command line or on disk in plaintext.
 */

export interface SecretRef {
  namespace: string;
  name: string;
}

export interface SecretObject {
  apiVersion: "v1";
  kind: "Secret";
  type: string;
  metadata: SecretRef & { labels: Record<string, string>; annotations?: Record<string, string> };
  stringData: Record<string, string>;
}

/** A generated password: 24 random bytes, 32 URL-safe characters (no quoting trouble in env or URLs). */
export const randomSecretValue = (): string => randomBytes(24).toString("base64url");

export function secretObject(
  ref: SecretRef,
  stringData: Record<string, string>,
  meta: { labels: Record<string, string>; annotations?: Record<string, string>; type?: string },
): SecretObject {
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: meta.type ?? "Opaque",
    metadata: {
      name: ref.name,
      namespace: ref.namespace,
      labels: meta.labels,
      ...(meta.annotations ? { annotations: meta.annotations } : {}),
    },
    stringData,
  };
}

/** Whether the Secret exists; NotFound is false, any other failure throws (never overwrite on doubt). */
export function secretExists(kubectl: Kubectl, ref: SecretRef): boolean {
  const found = kubectl(["get", "secret", ref.name, "-n", ref.namespace, "-o", "name"]);
  if (found.code === 0) return true;
  if (!/NotFound/.test(found.stderr)) throw new Error(`reading Secret ${ref.namespace}/${ref.name}: ${found.stderr}`);
  return false;
}

/** `kubectl create` of the Secret, its values on stdin; an error names the Secret and says what kubectl said. */
export function createSecret(kubectl: Kubectl, secret: SecretObject): void {
  const r = kubectl(["create", "-f", "-"], stringify(secret));
  if (r.code !== 0)
    throw new Error(`creating Secret ${secret.metadata.namespace}/${secret.metadata.name}: ${r.stderr.trim()}`);
}
