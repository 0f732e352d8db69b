// Preloaded (node --require) into a controller when the admission benchmark runs with --monitor: records
// event-loop stalls (a 1 ms timer that fires late) and garbage-collection pauses, with wall-clock times, and
// writes them to BENCH_MONITOR_FILE when the process exits. Opt-in: the 1 ms timer costs a little CPU.
"use strict";
const { writeFileSync } = require("node:fs");
const { PerformanceObserver, performance } = require("node:perf_hooks");

const file = process.env.BENCH_MONITOR_FILE;
if (file) {
  const stalls = [];
  const gcs = [];
  const origin = Date.now() - performance.now();
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    if (now - last > 5) stalls.push({ at: Math.round(origin + last), ms: Math.round((now - last - 1) * 10) / 10 });
    last = now;
  }, 1).unref();
  const kinds = { 1: "scavenge", 2: "mark-sweep-compact", 4: "incremental", 8: "weakcb", 15: "all" };
  new PerformanceObserver(list => {
    for (const e of list.getEntries())
      gcs.push({
        at: Math.round(origin + e.startTime),
        ms: Math.round(e.duration * 100) / 100,
        kind: kinds[e.detail?.kind] ?? String(e.detail?.kind),
      });
  }).observe({ entryTypes: ["gc"] });
  process.on("exit", () => writeFileSync(file, JSON.stringify({ stalls, gcs })));
}
