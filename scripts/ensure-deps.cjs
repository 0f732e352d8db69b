#!/usr/bin/env node
// Lets `npm test` and `npm run up` work on a fresh clone: installs the locked npm packages when
// node_modules is missing or older than package-lock.json. Uses only Node built-ins on purpose.
const { existsSync, statSync } = require("node:fs");
const { spawnSync } = require("node:child_process");
const { join } = require("node:path");

const root = join(__dirname, "..");
const marker = join(root, "node_modules", ".package-lock.json");
const lock = join(root, "package-lock.json");

const stale = !existsSync(marker) || statSync(lock).mtimeMs > statSync(marker).mtimeMs;
if (stale) {
  process.stderr.write("bonsai: installing npm packages (npm ci)…\n");
  const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    process.stderr.write("bonsai: `npm ci` failed; check that the npm registry is reachable.\n");
    process.exit(r.status ?? 1);
  }
}
