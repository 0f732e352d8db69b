#!/usr/bin/env node
// Starts the built CLI, dist/cli/bonsai.cjs (made by `npm ci` through the prepare script, or `npm run build:cli`),
// so that no TypeScript is transpiled at start. When it is missing or older than one of its sources, the sources
// run through tsx instead, as before: the audit always runs the same policy code as the module, built or not.
// BONSAI_FROM_SOURCE=1 forces the sources (the test that compares both outputs uses it).
const { join } = require("node:path");
const { BUNDLE_DIR, staleReason } = require("./bundle-state.cjs");

const forced = process.env.BONSAI_FROM_SOURCE === "1";
const reason = forced ? "BONSAI_FROM_SOURCE=1" : staleReason();
if (reason === undefined) {
  require(join(BUNDLE_DIR, "bonsai.cjs"));
} else {
  if (process.stderr.isTTY && !forced)
    process.stderr.write(
      `bonsai: running from source (dist/cli: ${reason}); \`npm run build:cli\` makes it start fast\n`,
    );
  require("tsx/cjs/api").register();
  require("tsx/esm/api").register();
  require("../cli/main.ts");
}
