import { InputError } from "../lib/render";

/** Wrong usage (an unknown option or value, a missing argument): exit 2 with the message and the help. */
export class UsageError extends Error {}

/** parseArgs' own errors (an unknown option, a missing value) are usage errors too. */
const isParseArgsError = (err: unknown) => String((err as { code?: unknown }).code ?? "").startsWith("ERR_PARSE_ARGS");

/**
 * Runs one `bonsai <command>` body and turns its errors into exit codes the same way for every command:
 * usage errors print `bonsai <command>: <message>` and the help (2); unreadable input prints the message (2);
 * anything else is a bug and propagates with its stack.
 */
export async function runCommand(command: string, help: string, body: () => Promise<number> | number): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof UsageError || isParseArgsError(err)) {
      process.stderr.write(`bonsai ${command}: ${(err as Error).message}\n\n${help}`);
      return 2;
    }
    if (err instanceof InputError) {
      process.stderr.write(`bonsai ${command}: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

/** `--help`: the help on stdout, exit 0. */
export function printHelp(help: string): number {
  process.stdout.write(help);
  return 0;
}
