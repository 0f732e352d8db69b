import { RE2JS } from "re2js";

/**
 * Exemption name patterns, matched in time linear in the name (RE2 semantics through the pure-JS port
 * `re2js`; docs/exemptions.md). JavaScript's RegExp backtracks: `([a-z0-9]+-?)*-canary` took 28.8 s on
 * a 34-character name and every two more characters quadrupled it, so whoever could name a pod could
 * stall admission. RE2 has no backtracking, so it cannot honour backreferences or lookarounds; those are
 * refused with a message saying so, never silently reinterpreted.
 */

/** As long as the longest Kubernetes name: a longer pattern cannot be needed. Also the CRD's maxLength. */
export const NAME_PATTERN_MAX_LENGTH = 253;
/** Patterns per Exemption (the CRD's maxItems): matching cost is linear in their number too. */
export const NAME_PATTERNS_MAX = 32;
/**
 * Compiled program size cap. RE2 caps nested repetition at 1000, but `a{1000}b{1000}…` still compiles to
 * tens of thousands of instructions (350 ms to compile, measured); real name patterns need a few hundred.
 */
export const NAME_PATTERN_MAX_INSTRUCTIONS = 2_000;

/** A compiled, anchored name pattern. */
export interface NamePattern {
  readonly source: string;
  test(name: string): boolean;
}

/** Constructs RE2 refuses, with what to write instead. Checked by substring: no regex runs on the pattern. */
const UNSUPPORTED: readonly { marks: readonly string[]; what: string }[] = [
  { marks: ["(?=", "(?!"], what: "lookahead ((?= or (?!)" },
  { marks: ["(?<=", "(?<!"], what: "lookbehind ((?<= or (?<!)" },
  {
    marks: ["\\1", "\\2", "\\3", "\\4", "\\5", "\\6", "\\7", "\\8", "\\9", "\\k<"],
    what: "a backreference (\\1, \\k<name>)",
  },
];

// re2js keeps the compiled program on an untyped field; the pinned version's layout is checked by the unit test.
interface CompiledProgram {
  prog?: { inst?: unknown[] };
}

function instructionCount(re: RE2JS): number | undefined {
  const n = (re.re2() as unknown as CompiledProgram).prog?.inst?.length;
  return typeof n === "number" ? n : undefined;
}

/**
 * Compiles one pattern, anchored at both ends, or returns why it cannot be used. The reason is a
 * sentence fragment that follows the quoted pattern in the Exemption's validation message.
 */
export function compileNamePattern(source: string): { pattern?: NamePattern; problem?: string } {
  if (source.length > NAME_PATTERN_MAX_LENGTH)
    return { problem: `is ${source.length} characters long; name patterns are at most ${NAME_PATTERN_MAX_LENGTH}` };
  for (const { marks, what } of UNSUPPORTED) {
    if (marks.some(m => source.includes(m)))
      return {
        problem: `uses ${what}, which the linear-time (RE2) matcher cannot honour; list the names explicitly or use a character class`,
      };
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (err) {
    return {
      problem: `is not a valid regular expression in RE2 syntax (${(err as Error).message}); patterns are anchored, e.g. "pgadmin(-.*)?"`,
    };
  }
  const size = instructionCount(re);
  if (size !== undefined && size > NAME_PATTERN_MAX_INSTRUCTIONS)
    return {
      problem: `compiles to ${size} instructions (limit ${NAME_PATTERN_MAX_INSTRUCTIONS}); use fewer or smaller counted repetitions such as {n,m}`,
    };
  // RE2JS.matches is a whole-input match: the pattern is anchored at both ends, as documented.
  return { pattern: { source, test: name => re.matches(name) } };
}
