// The local kubelet's process (pod-runner.ts), started by ControlPlane inside the control plane's network
// namespace: argv[2] is the state directory (it names this process as ours in the PID file check), argv[3] the
// comma-separated namespaces whose pods it runs.
import { join } from "node:path";
import { KubeApi } from "./kube-api";
import { peprControllerImage } from "./pepr-image";
import { PodRunner } from "./pod-runner";

const [stateDir, namespaces, apiPort] = process.argv.slice(2);
if (!stateDir || !namespaces || !apiPort) {
  process.stderr.write("usage: pod-runner-main.ts <stateDir> <namespace,...> <apiserver port>\n");
  process.exit(2);
}
const pki = join(stateDir, "pki");
const api = new KubeApi(`https://127.0.0.1:${apiPort}`, {
  caCert: join(pki, "ca.crt"),
  clientCert: join(pki, "admin.crt"),
  clientKey: join(pki, "admin.key"),
});
const log = (m: string) => process.stdout.write(`${new Date().toISOString()} ${m}\n`);
const runner = new PodRunner(api, {
  namespaces: namespaces.split(","),
  podsDir: join(stateDir, "pods"),
  images: peprControllerImage,
  log,
});
process.on("SIGTERM", () => {
  void runner.stop().then(() => process.exit(0));
});
log(`local kubelet for namespaces ${namespaces}`);
void runner.run();
