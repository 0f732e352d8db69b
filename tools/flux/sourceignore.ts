import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/**
 * What Flux's source-controller leaves out of a GitRepository artifact: its built-in excludes plus the
 * `.sourceignore` files of the repository (gitignore syntax), as fluxcd/pkg/sourceignore reads them. Bonsai's own
 * reading of the Flux entry point (tools/flux/entry.ts) must skip exactly what Flux never sees, or it would apply
 * files (clusters/local/k3d.yaml) that the cluster never gets.
 *
 * Globs are matched segment by segment with a linear-time wildcard scan, never a regular expression: the patterns
 * come from the user's tree.
 */

/** fluxcd/pkg/sourceignore ExcludeVCS, ExcludeExt, ExcludeCI, ExcludeExtra. */
const FLUX_DEFAULTS = [
  ".git/",
  ".gitignore",
  ".gitmodules",
  ".gitattributes",
  "*.jpg",
  "*.jpeg",
  "*.gif",
  "*.png",
  "*.wmv",
  "*.flv",
  "*.tar.gz",
  "*.zip",
  ".github/",
  ".circleci/",
  ".travis.yml",
  ".gitlab-ci.yml",
  "appveyor.yml",
  ".drone.yml",
  "cloudbuild.yaml",
  "codeship-services.yml",
  "codeship-steps.yml",
  "**/.goreleaser.yml",
  "**/.sops.yaml",
  "**/.flux.yaml",
];

const MAX_IGNORE_FILE = 64 * 1024;

interface Pattern {
  /** Directory (relative to the repository root, "" for the root) of the .sourceignore that holds it. */
  domain: string[];
  segments: string[];
  negate: boolean;
  dirOnly: boolean;
  /** A pattern with a slash before its end is anchored to its domain; otherwise it matches at any depth. */
  anchored: boolean;
}

export function parsePattern(line: string, domain: string[] = []): Pattern | undefined {
  let p = line.trimEnd();
  if (!p || p.startsWith("#")) return undefined;
  const negate = p.startsWith("!");
  if (negate) p = p.slice(1);
  const dirOnly = p.endsWith("/");
  if (dirOnly) p = p.slice(0, -1);
  const anchored = p.includes("/");
  if (p.startsWith("/")) p = p.slice(1);
  if (!p) return undefined;
  return { domain, segments: p.split("/"), negate, dirOnly, anchored };
}

/** `*` and `?` within one path segment; the classic two-pointer scan, O(name × glob) at worst. */
export function globSegment(glob: string, name: string): boolean {
  let g = 0;
  let n = 0;
  let star = -1;
  let mark = 0;
  while (n < name.length) {
    if (g < glob.length && (glob[g] === "?" || glob[g] === name[n])) {
      g++;
      n++;
    } else if (g < glob.length && glob[g] === "*") {
      star = g++;
      mark = n;
    } else if (star >= 0) {
      g = star + 1;
      n = ++mark;
    } else return false;
  }
  while (g < glob.length && glob[g] === "*") g++;
  return g === glob.length;
}

/** Segments against segments with `**` for any number of them; path depth bounds the work. */
function matchSegments(globs: string[], path: string[], memo = new Map<string, boolean>(), gi = 0, pi = 0): boolean {
  const key = `${gi},${pi}`;
  const known = memo.get(key);
  if (known !== undefined) return known;
  let result: boolean;
  if (gi === globs.length) result = pi === path.length;
  else if (globs[gi] === "**")
    result =
      matchSegments(globs, path, memo, gi + 1, pi) ||
      (pi < path.length && matchSegments(globs, path, memo, gi, pi + 1));
  else
    result = pi < path.length && globSegment(globs[gi], path[pi]) && matchSegments(globs, path, memo, gi + 1, pi + 1);
  memo.set(key, result);
  return result;
}

function matches(p: Pattern, path: string[], isDir: boolean): boolean {
  if (p.dirOnly && !isDir) return false;
  if (path.length <= p.domain.length || p.domain.some((d, i) => path[i] !== d)) return false;
  const rest = path.slice(p.domain.length);
  if (p.anchored) return matchSegments(p.segments, rest);
  return globSegment(p.segments[0], rest[rest.length - 1]);
}

export class SourceIgnore {
  private constructor(private readonly patterns: Pattern[]) {}

  /** The built-in excludes plus every `.sourceignore` from the root down to (and including) `dir`'s own. */
  static forRepository(root: string, extra: string[] = []): SourceIgnore {
    const patterns = [...FLUX_DEFAULTS, ...extra].map(l => parsePattern(l)).filter((p): p is Pattern => !!p);
    const ignore = new SourceIgnore(patterns);
    ignore.readFile(root, []);
    return ignore;
  }

  /** Reads `<dir>/.sourceignore` (if any) as patterns of that directory. */
  readFile(root: string, domain: string[]): void {
    const file = join(root, ...domain, ".sourceignore");
    if (!existsSync(file)) return;
    if (statSync(file).size > MAX_IGNORE_FILE)
      throw new Error(`${file} is larger than ${MAX_IGNORE_FILE} bytes; Bonsai refuses to read it`);
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const p = parsePattern(line, domain);
      if (p) this.patterns.push(p);
    }
  }

  /** gitignore's rule: the last pattern that matches decides. The caller skips the contents of ignored folders. */
  ignored(path: string[], isDir: boolean): boolean {
    let out = false;
    for (const p of this.patterns) if (matches(p, path, isDir)) out = !p.negate;
    return out;
  }
}
