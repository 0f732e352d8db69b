import { readFileSync } from "node:fs";
import { join } from "node:path";
import { goModDownload } from "./cache";

/**
 * The official SARIF 2.1.0 JSON schema (OASIS, errata01), as shipped in gosec's Go module for its own
 * tests: the module proxy is the one place here that serves it.
 */
export function sarifSchema(): object {
  const dir = goModDownload("github.com/securego/gosec/v2", "v2.30.0");
  return JSON.parse(
    readFileSync(join(dir, "report", "sarif", "testdata", "sarif-schema-2.1.0.json"), "utf8"),
  ) as object;
}
