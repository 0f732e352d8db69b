/**
 * Files over 300 lines and functions over 80 lines in the files git tracks: `npx tsx scripts/code-sizes.ts`.
 * A report, not a gate (a long file may say at its top why it is long). Jest's describe callbacks are listed
 * as such: they are suites of small tests, not one function's logic.
 */
import * as ts from "typescript";
import { readFileSync } from "node:fs";
import { execSync } from "node:child_process";
const files = execSync("git ls-files '*.ts' '*.cjs' '*.mjs' '*.js'", { encoding: "utf8" }).split("\n").filter(Boolean);
const fileRows: string[] = [];
const fnRows: string[] = [];
for (const f of files) {
  const text = readFileSync(f, "utf8");
  const lines = text.split("\n").length;
  if (lines > 300) fileRows.push(`${lines}\t${f}`);
  const sf = ts.createSourceFile(f, text, ts.ScriptTarget.Latest, true);
  const visit = (n: ts.Node) => {
    if (ts.isFunctionLike(n) && (n as ts.FunctionLikeDeclaration).body) {
      const s = sf.getLineAndCharacterOfPosition(n.getStart()).line,
        e = sf.getLineAndCharacterOfPosition(n.getEnd()).line;
      const len = e - s + 1;
      const name =
        (n as ts.FunctionDeclaration).name?.getText() ??
        (ts.isVariableDeclaration(n.parent)
          ? n.parent.name.getText()
          : ts.isCallExpression(n.parent)
            ? `(callback of ${n.parent.expression.getText().slice(0, 40)})`
            : "<anon>");
      if (len > 80) fnRows.push(`${len}\t${f}:${s + 1}\t${name}`);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
}
console.log("files > 300 lines:");
fileRows.sort((a, b) => parseInt(b) - parseInt(a)).forEach(r => console.log(r));
console.log("functions > 80 lines:");
fnRows.sort((a, b) => parseInt(b) - parseInt(a)).forEach(r => console.log(r));
