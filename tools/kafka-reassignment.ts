import { readFileSync } from "node:fs";

/**
 * A partition reassignment plan for `kafka-reassign-partitions.sh --execute`, raising the replication
 * factor of existing topics after the single broker became three (docs/multi-node.md). Kafka's own
 * `--generate` keeps each partition's replication factor, so raising it needs a plan written by hand;
 * this writes it from `kafka-topics.sh --describe` output:
 *
 *   kafka-topics.sh --bootstrap-server kafka:9092 --describe > describe.txt
 *   npx tsx tools/kafka-reassignment.ts --brokers 1,2,3 --replication-factor 3 describe.txt > plan.json
 *
 * Replicas a partition already has are kept (no data moves off a broker that holds it); the first
 * replica, the preferred leader, rotates over the brokers so leadership ends up balanced.
 */
export interface PartitionAssignment {
  topic: string;
  partition: number;
  replicas: number[];
}

export interface ReassignmentPlan {
  version: 1;
  partitions: PartitionAssignment[];
}

/** The largest describe output accepted (a few hundred thousand partitions would be larger). */
export const MAX_DESCRIBE_BYTES = 8 * 1024 * 1024;

const field = (tokens: string[], name: string): string | undefined => {
  const i = tokens.indexOf(`${name}:`);
  return i >= 0 ? tokens[i + 1] : undefined;
};

const brokerList = (text: string, what: string): number[] => {
  const ids = text.split(",").map(s => s.trim());
  if (!ids.every(s => /^\d{1,9}$/.test(s)))
    throw new Error(`${what}: "${text}" is not a comma-separated list of broker IDs`);
  return ids.map(Number);
};

/** The partitions of `kafka-topics.sh --describe` output (its per-partition lines), with their replicas. */
export function parseDescribe(text: string): PartitionAssignment[] {
  if (text.length > MAX_DESCRIBE_BYTES)
    throw new Error(`the describe output is larger than ${MAX_DESCRIBE_BYTES} bytes`);
  const out: PartitionAssignment[] = [];
  text.split("\n").forEach((line, i) => {
    const tokens = line.trim().split(/\s+/);
    if (!tokens.includes("Partition:")) return; // a topic's summary line or a blank line
    const topic = field(tokens, "Topic");
    const partition = field(tokens, "Partition");
    const replicas = field(tokens, "Replicas");
    if (!topic || !partition || !/^\d{1,9}$/.test(partition) || !replicas)
      throw new Error(`line ${i + 1}: expected "Topic: <name> Partition: <n> … Replicas: <ids>", got "${line.trim()}"`);
    out.push({ topic, partition: Number(partition), replicas: brokerList(replicas, `line ${i + 1} Replicas`) });
  });
  if (!out.length) throw new Error("no partition lines found: pass the output of kafka-topics.sh --describe");
  return out;
}

/** The plan giving every partition `replicationFactor` replicas on `brokers`, keeping the ones it has. */
export function planReassignment(
  current: PartitionAssignment[],
  brokers: number[],
  replicationFactor: number,
): ReassignmentPlan {
  if (new Set(brokers).size !== brokers.length || !brokers.length)
    throw new Error(`--brokers must list distinct broker IDs, got ${brokers.join(",")}`);
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1 || replicationFactor > brokers.length)
    throw new Error(`--replication-factor must be between 1 and the number of brokers (${brokers.length})`);
  let leaderTurn = 0;
  const partitions = current.map(p => {
    const missing = p.replicas.filter(b => !brokers.includes(b));
    if (missing.length)
      throw new Error(
        `${p.topic}-${p.partition} has replicas on brokers ${missing.join(",")}, which --brokers does not list`,
      );
    const chosen = p.replicas.slice(0, replicationFactor);
    for (let k = 0; chosen.length < replicationFactor; k++) {
      const b = brokers[(leaderTurn + k) % brokers.length];
      if (!chosen.includes(b)) chosen.push(b);
    }
    // The preferred leader takes turns over the brokers; the others follow in broker order.
    const leader = chosen.includes(brokers[leaderTurn % brokers.length])
      ? brokers[leaderTurn % brokers.length]
      : chosen[0];
    leaderTurn++;
    return { topic: p.topic, partition: p.partition, replicas: [leader, ...chosen.filter(b => b !== leader)] };
  });
  return { version: 1, partitions };
}

function main(argv: string[]): number {
  const usage = "usage: kafka-reassignment --brokers 1,2,3 --replication-factor 3 <describe.txt | ->";
  const opt = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const brokers = opt("--brokers");
  const rf = opt("--replication-factor");
  const file = argv.filter((a, i) => !a.startsWith("--") && !argv[i - 1]?.startsWith("--"))[0];
  if (!brokers || !rf || !file) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  try {
    const text = readFileSync(file === "-" ? 0 : file, "utf8");
    const plan = planReassignment(parseDescribe(text), brokerList(brokers, "--brokers"), Number(rf));
    process.stdout.write(JSON.stringify(plan, null, 2) + "\n");
    return 0;
  } catch (err) {
    process.stderr.write(`kafka-reassignment: ${(err as Error).message}\n`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
