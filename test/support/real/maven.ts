/**
 * Jars from Maven Central, resolved once with `mvn dependency:copy-dependencies` and cached by version:
 *
 *   const libs = mavenJars("kafka-4.1.1", ["org.apache.kafka:kafka_2.13:4.1.1"]);   // ~/.cache/bonsai/kafka-4.1.1/libs
 *   spawn("java", ["-cp", `${libs}/*`, "kafka.Kafka", props]);
 *
 * The cache entry is written to a temporary folder and renamed, with a marker last, so an interrupted download
 * is redone rather than half-used; concurrent callers each resolve into their own temporary folder.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheRoot, readCachedText } from "../../../tools/cache";
import { runToCompletion } from "./process";

export function mavenJars(cacheName: string, coordinates: string[], timeoutMs = 15 * 60_000): string {
  const dir = join(cacheRoot(), cacheName);
  const libs = join(dir, "libs");
  const marker = join(dir, ".complete");
  const wanted = coordinates.join("\n") + "\n";
  // The marker lists what was resolved: a changed list of coordinates resolves again.
  if (readCachedText(marker) === wanted) return libs;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, "pom.xml"), pom(coordinates));
  runToCompletion(`mvn copy-dependencies for ${cacheName}`, "mvn", mvnArgs(), {
    cwd: tmp,
    timeoutMs,
    env: { HOME: process.env.HOME ?? "/root", JAVA_HOME: process.env.JAVA_HOME ?? "" },
  });
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  writeFileSync(marker, wanted);
  return libs;
}

const mvnArgs = () => ["-B", "-q", "dependency:copy-dependencies", "-DincludeScope=runtime", "-DoutputDirectory=libs"];

function pom(coordinates: string[]): string {
  const deps = coordinates.map(c => {
    const [groupId, artifactId, version] = c.split(":");
    if (!groupId || !artifactId || !version) throw new Error(`Maven coordinate ${c} is not group:artifact:version`);
    return `    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId><version>${version}</version></dependency>`;
  });
  return [
    '<project xmlns="http://maven.apache.org/POM/4.0.0">',
    "  <modelVersion>4.0.0</modelVersion>",
    "  <groupId>dev.bonsai</groupId><artifactId>harness-jars</artifactId><version>1</version>",
    "  <dependencies>",
    ...deps,
    "  </dependencies>",
    "</project>",
    "",
  ].join("\n");
}
