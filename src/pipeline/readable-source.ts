/**
 * A function's source as a person reads it: what `fn.toString()` gives is
 * whatever the compiler made of it (tsx minifies a script's functions onto
 * one line; a notebook's keep their lines), so two runs' sources are printed
 * the same way, every block on lines of its own, before they are compared.
 */
import type * as TS from "typescript";
import { typescript } from "../util";

/**
 * `source` (a function or arrow function expression, as `fn.toString()`
 * gives it) printed by TypeScript's printer with one statement per line;
 * the source as it is when it does not parse as one function expression
 * (a method's shorthand, say).
 *
 * @example
 * ```ts
 * readableSource("x=>{const y=x*2;return y}"); // "x => {\n    const y = x * 2;\n    return y;\n}"
 * ```
 */
export function readableSource(source: string): string {
  const t = typescript();
  const file = t.createSourceFile("step.js", `(${source}\n)`, t.ScriptTarget.Latest, true, t.ScriptKind.JS);
  const statement = file.statements[0];
  if (file.statements.length !== 1 || !statement || !t.isExpressionStatement(statement) || !t.isParenthesizedExpression(statement.expression)) return source;
  const fn = statement.expression.expression;
  if (!t.isFunctionExpression(fn) && !t.isArrowFunction(fn) && !t.isClassExpression(fn)) return source;
  // A parsed block keeps its one line when printed: made anew, it is printed over several.
  const multiline = (context: TS.TransformationContext) => (root: TS.Node) => {
    const visit = (node: TS.Node): TS.Node => {
      const visited = t.visitEachChild(node, visit, context);
      return t.isBlock(visited) ? context.factory.createBlock(visited.statements, true) : visited;
    };
    return t.visitNode(root, visit) as TS.Node;
  };
  const result = t.transform(fn, [multiline]);
  try {
    return t.createPrinter().printNode(t.EmitHint.Expression, result.transformed[0] as TS.Node, file);
  } finally {
    result.dispose();
  }
}
