import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { goModDownload } from "./cache";

/** The Pod Security Admission release whose fixtures define "correct" for our checks (Kubernetes 1.35). */
export const PSA_MODULE = "k8s.io/pod-security-admission";
export const PSA_VERSION = "v0.35.4";
export const PSA_FIXTURE_VERSION = "v1.35";

export interface PsaFixture {
  level: "baseline" | "restricted";
  expect: "pass" | "fail";
  file: string;
  text: string;
}

/** Every fixture of `test/testdata/{baseline,restricted}/v1.35/{pass,fail}`, downloaded once through the Go proxy. */
export function loadPsaFixtures(): PsaFixture[] {
  const root = join(goModDownload(PSA_MODULE, PSA_VERSION), "test", "testdata");
  const out: PsaFixture[] = [];
  for (const level of ["baseline", "restricted"] as const) {
    for (const expect of ["pass", "fail"] as const) {
      const dir = join(root, level, PSA_FIXTURE_VERSION, expect);
      for (const name of readdirSync(dir)
        .filter(n => n.endsWith(".yaml"))
        .sort()) {
        out.push({ level, expect, file: join(dir, name), text: readFileSync(join(dir, name), "utf8") });
      }
    }
  }
  return out;
}
