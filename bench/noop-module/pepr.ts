import { PeprModule } from "pepr";
import cfg from "./package.json";
import { Noop } from "./capabilities/noop";

// The same runtime as the guardrails module, with bindings that approve everything: the framework's floor.
new PeprModule(cfg, [Noop]);
