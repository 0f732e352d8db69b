// Preloaded (node --require) into a Pepr controller started by the benchmarks. Pepr 1.1.4 listens on a
// fixed port (3000) unless the module defers its start; this maps 3000 to BENCH_LISTEN_PORT so the real,
// unmodified bundle can run beside another module and beside anyone else's controller on this machine.
"use strict";
const net = require("node:net");

const target = Number(process.env.BENCH_LISTEN_PORT);
if (target) {
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function (...args) {
    if (args[0] === 3000) args[0] = target;
    return listen.apply(this, args);
  };
}
