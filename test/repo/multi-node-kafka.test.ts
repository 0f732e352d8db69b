import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clusterLayers, renderLayer } from "../../lib/render";
import { parseDescribe, planReassignment } from "../../tools/kafka-reassignment";
import { REPO } from "./rendered";

// Kafka on three nodes: the start-up wrapper in the overlay derives each broker's identity from its pod
// name, and the migration's reassignment plan raises existing topics to replication factor 3.
const infra = clusterLayers(REPO, "multi-node").find(l => l.name === "infra")!;
const kafka = renderLayer(infra, REPO).objects.find(o => o.kind === "StatefulSet" && o.metadata?.name === "kafka")!;
const container = (kafka.spec as { template: { spec: { containers: { command: string[]; args: string[] }[] } } })
  .template.spec.containers[0];

/**
 * Runs the wrapper as the kubelet would start it (command + args, `$$` turned into `$` as the kubelet does),
 * under the given HOSTNAME; the image's entrypoint is replaced by `env` so the derived variables show.
 */
function start(hostname: string) {
  const script = container.args[0].replaceAll("$$", "$").replace("exec /etc/kafka/docker/run", "exec env");
  const r = spawnSync(container.command[0], [...container.command.slice(1), script], {
    env: { PATH: process.env.PATH, HOSTNAME: hostname },
    encoding: "utf8",
  });
  const env = Object.fromEntries(
    r.stdout
      .split("\n")
      .filter(l => l.startsWith("KAFKA_"))
      .map(l => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  return { code: r.status, env, stderr: r.stderr };
}

describe("the Kafka start-up wrapper of the multi-node overlay", () => {
  it("is a shell script the kubelet passes through untouched (no $(…) besides the escaped one)", () => {
    expect(container.command).toEqual(["/bin/sh", "-c"]);
    expect(container.args[0]).toContain("exec /etc/kafka/docker/run");
    expect(container.args[0].replaceAll("$$(", "").includes("$(")).toBe(false);
  });

  it.each([
    ["kafka-0", "1"],
    ["kafka-1", "2"],
    ["kafka-2", "3"],
  ])("gives %s node ID %s and its own advertised address", (host, id) => {
    const r = start(host);
    expect(r.code).toBe(0);
    expect(r.env.KAFKA_NODE_ID).toBe(id);
    expect(r.env.KAFKA_ADVERTISED_LISTENERS).toBe(`PLAINTEXT://${host}.kafka-headless.infra.svc.cluster.local:9092`);
  });

  it("refuses a host name without an ordinal, saying why", () => {
    const r = start("kafka");
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("cannot derive a node ID from HOSTNAME=kafka");
  });
});

const DESCRIBE = [
  "Topic: orders\tTopicId: q1\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: ",
  "\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: ",
  "\tTopic: orders\tPartition: 1\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: ",
  "\tTopic: orders\tPartition: 2\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: ",
  "Topic: audit\tTopicId: q2\tPartitionCount: 1\tReplicationFactor: 2\tConfigs: ",
  "\tTopic: audit\tPartition: 0\tLeader: 2\tReplicas: 2,1\tIsr: 2,1\tElr: \tLastKnownElr: ",
].join("\n");

describe("the partition reassignment plan (tools/kafka-reassignment.ts)", () => {
  const plan = planReassignment(parseDescribe(DESCRIBE), [1, 2, 3], 3);

  it("puts every partition on three distinct brokers, keeping the replicas it has", () => {
    expect(plan.version).toBe(1);
    expect(plan.partitions.map(p => `${p.topic}-${p.partition}`)).toEqual([
      "orders-0",
      "orders-1",
      "orders-2",
      "audit-0",
    ]);
    for (const p of plan.partitions) expect([...p.replicas].sort()).toEqual([1, 2, 3]);
  });

  it("rotates the preferred leader over the brokers", () => {
    expect(plan.partitions.slice(0, 3).map(p => p.replicas[0])).toEqual([1, 2, 3]);
  });

  it("keeps existing replicas when the target factor is lower than the broker count", () => {
    const two = planReassignment(parseDescribe(DESCRIBE), [1, 2, 3], 2);
    for (const p of two.partitions.filter(x => x.topic === "orders")) expect(p.replicas).toContain(1);
    expect(two.partitions.find(p => p.topic === "audit")!.replicas.sort()).toEqual([1, 2]);
  });

  it("refuses bad input with the line or option at fault", () => {
    expect(() => parseDescribe("hello")).toThrow("no partition lines found");
    expect(() => parseDescribe("\tTopic: x\tPartition: 0\tReplicas: one")).toThrow('line 1 Replicas: "one"');
    expect(() => planReassignment(parseDescribe(DESCRIBE), [1, 2], 3)).toThrow("--replication-factor");
    expect(() => planReassignment(parseDescribe(DESCRIBE), [2, 3, 4], 3)).toThrow("orders-0 has replicas on brokers 1");
  });

  it("works as the command the migration guide runs", () => {
    const file = join(mkdtempSync(join(tmpdir(), "bonsai-reassign-")), "describe.txt");
    writeFileSync(file, DESCRIBE);
    const r = spawnSync(
      process.execPath,
      [
        join(REPO, "node_modules", "tsx", "dist", "cli.mjs"),
        join(REPO, "tools", "kafka-reassignment.ts"),
        "--brokers",
        "1,2,3",
        "--replication-factor",
        "3",
        file,
      ],
      { encoding: "utf8" },
    );
    expect([r.status, r.stderr]).toEqual([0, ""]);
    expect(JSON.parse(r.stdout)).toEqual(plan);
  });
});
