// Upgrade of the deployed module on the embedded plane: admission answers while `npx pepr deploy` rolls out a
// new build, then while a rollout restart runs (the repair after a re-deploy, pepr-deploy.ts restartModule).
// A compliant Pod is sent through admission (server-side dry run) back to back in a fail-closed namespace.
// Usage: npx tsx bench/deploy/upgrade.ts   (writes bench/results/deploy-upgrade.json)
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdmissionProbe } from "../../tools/controlplane/admission-probe";
import { ControlPlane } from "../../tools/controlplane/controlplane";
import { MODULE_NAMESPACE, peprDeploy, restartModule } from "../../tools/controlplane/pepr-deploy";
import { sleep } from "../../tools/controlplane/processes";

const say = (m: string) => process.stderr.write(`[bench] ${m}\n`);

async function measure(cp: ControlPlane, what: string, step: () => Promise<unknown>) {
  const probe = new AdmissionProbe(cp.api(), "backend").start();
  const started = Date.now();
  try {
    await step();
    await sleep(3000);
  } finally {
    await probe.stop();
  }
  const failures = probe.failures();
  const tail = probe.results.slice(-20);
  return {
    what,
    seconds: (Date.now() - started) / 1000,
    requests: probe.results.length,
    refused: failures.length,
    refusedWindowSeconds: probe.windowMs() / 1000,
    answeringAtTheEnd: tail.every(r => r.outcome === "admitted"),
    firstRefusal: failures[0]?.message.slice(0, 300),
  };
}

async function main(): Promise<void> {
  const cp = await ControlPlane.start({
    stateDir: mkdtempSync(join(tmpdir(), "bonsai-bench-upgrade-")),
    network: "namespace",
    localPodNamespaces: [MODULE_NAMESPACE],
    progress: say,
  });
  try {
    await peprDeploy(cp, { progress: say });
    // A governed namespace is admitted only with Pod Security "restricted" enforced.
    const ns = cp.kubectl(
      ["apply", "-f", "-"],
      JSON.stringify({
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: "backend", labels: { "pod-security.kubernetes.io/enforce": "restricted" } },
      }),
    );
    if (ns.code !== 0) throw new Error(`creating backend failed: ${ns.stderr}`);
    for (let i = 0; i < 80 && cp.kubectl(["get", "limitrange", "default-limits", "-n", "backend"]).code; i++)
      await sleep(250);
    const rounds = [
      await measure(cp, "npx pepr deploy of a new build", () => peprDeploy(cp, { progress: say })),
      await measure(cp, "kubectl rollout restart of both Deployments", async () => restartModule(cp)),
    ];
    const result = { date: new Date().toISOString(), rounds };
    mkdirSync(join(__dirname, "..", "results"), { recursive: true });
    writeFileSync(join(__dirname, "..", "results", "deploy-upgrade.json"), JSON.stringify(result, null, 2) + "\n");
    for (const r of rounds)
      process.stdout.write(
        `${r.what}: ${r.seconds.toFixed(1)} s, ${r.requests} requests, ${r.refused} refused over ${r.refusedWindowSeconds.toFixed(1)} s, answering at the end: ${r.answeringAtTheEnd}\n`,
      );
  } finally {
    await cp.stop();
  }
}

main().catch(err => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
