import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { goInstallCached } from "./cache";

/** sops and age from the Go module proxy, built once and cached (tools/cache.ts). */
export const SOPS_VERSION = "v3.13.3";
/** The age kustomize-controller v1.9.6 links; v1.3.2 asks for the Go 1.27 toolchain. */
export const AGE_VERSION = "v1.3.1";

// GOTOOLCHAIN=local: build with the installed Go even where a module suggests a newer toolchain.
const LOCAL = { GOTOOLCHAIN: "local" };

export const sopsBinary = () =>
  goInstallCached({ name: "sops", version: SOPS_VERSION, pkg: "github.com/getsops/sops/v3/cmd/sops", env: LOCAL });
export const ageKeygenBinary = () =>
  goInstallCached({ name: "age-keygen", version: AGE_VERSION, pkg: "filippo.io/age/cmd/age-keygen", env: LOCAL });

/** The user's age identity: never in the repository. BONSAI_AGE_KEY_FILE, or ~/.bonsai/age.key. */
export function ageKeyFile(): string {
  return process.env.BONSAI_AGE_KEY_FILE ?? join(homedir(), ".bonsai", "age.key");
}

/** Creates the identity (mode 0600) unless it exists; returns its public recipient. */
export function ensureAgeKey(file = ageKeyFile()): { file: string; recipient: string; created: boolean } {
  let created = false;
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    execFileSync(ageKeygenBinary(), ["-o", file], { stdio: ["ignore", "ignore", "pipe"] });
    chmodSync(file, 0o600);
    created = true;
  }
  const recipient = execFileSync(ageKeygenBinary(), ["-y", file], { encoding: "utf8" }).trim();
  if (!recipient.startsWith("age1"))
    throw new Error(`${file} is not an age identity (age-keygen -y printed no recipient)`);
  return { file, recipient, created };
}

/**
 * Encrypts a YAML document given on stdin (the plaintext never touches the disk) under the creation rule that
 * `<tree>/.sops.yaml` has for `path` (relative to the tree); returns the encrypted YAML.
 */
export function sopsEncrypt(plaintextYaml: string, tree: string, path: string): string {
  try {
    // Node hands a child its stdin as a socket, which sops cannot open as /dev/stdin; `cat` in between makes it
    // a pipe. The plaintext goes through memory and pipes only.
    return execFileSync(
      "sh",
      [
        "-c",
        'cat | exec "$0" --encrypt --filename-override "$1" --input-type yaml --output-type yaml /dev/stdin',
        sopsBinary(),
        path,
      ],
      { cwd: tree, input: plaintextYaml, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] },
    );
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`sops --encrypt for ${path} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

/** Decrypts a SOPS file with the user's identity. */
export function sopsDecrypt(file: string, keyFile = ageKeyFile()): string {
  try {
    return execFileSync(sopsBinary(), ["--decrypt", file], {
      encoding: "utf8",
      env: { ...process.env, SOPS_AGE_KEY_FILE: keyFile },
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(
      `sops --decrypt ${file} failed (is ${keyFile} the key it was encrypted for?): ${(e.stderr ?? e.message).trim()}`,
    );
  }
}
