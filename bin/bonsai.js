#!/usr/bin/env node
// The CLI is TypeScript; tsx loads it directly so the audit always runs the same policy code as the module.
require("tsx/cjs/api").register();
require("tsx/esm/api").register();
require("../cli/main.ts");
