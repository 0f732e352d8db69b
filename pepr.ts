import { PeprModule } from "pepr";
// cfg loads the module's configuration (uuid, onError, webhookTimeout, ignored namespaces) from package.json
import cfg from "./package.json";
import { PodSecurity } from "./capabilities/pod-security";

new PeprModule(cfg, [PodSecurity]);
