// Runs a Pepr module bundle as BENCH_REPLICAS processes sharing one listening port (node:cluster): the
// benchmarks' stand-in for the admission Deployment's replicas behind one Service (Pepr's default is 2). The
// workers inherit node's flags (port-remap.cjs, --cpu-prof); SIGTERM is passed on and the primary exits last.
"use strict";
const cluster = require("node:cluster");

const bundle = process.argv[2];
const replicas = Number(process.env.BENCH_REPLICAS ?? 1);
if (!cluster.isPrimary || replicas <= 1) {
  require(bundle);
} else {
  for (let i = 0; i < replicas; i++) cluster.fork();
  let alive = replicas;
  cluster.on("exit", () => {
    if (--alive === 0) process.exit(0);
  });
  process.on("SIGTERM", () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGTERM");
  });
}
