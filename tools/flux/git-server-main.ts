// The loopback git remote as a process of its own (tools/flux/git-remote.ts starts it), so that it keeps
// serving after `bonsai up` exits and never shares an event loop with a test's synchronous kubectl calls.
// Usage: git-server-main.ts <project root> <port file>
import { writeFileSync } from "node:fs";
import { serveGit } from "./git-http";

const [root, portFile] = process.argv.slice(2);
if (!root || !portFile) {
  process.stderr.write("usage: git-server-main.ts <project root> <port file>\n");
  process.exit(2);
}
serveGit(root).then(({ server, port }) => {
  writeFileSync(portFile, `${port}\n`);
  process.stderr.write(`git smart HTTP on http://127.0.0.1:${port}/ serving ${root}\n`);
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
});
