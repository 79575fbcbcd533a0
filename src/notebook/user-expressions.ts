/**
 * An execute_request's `user_expressions`: expressions a client (a debugger,
 * a variable inspector) asks the kernel to evaluate after the cell, each
 * answered with its value's MIME bundle or its error. They are JavaScript
 * evaluated with the notebook's variables in scope.
 */
import { runInThisContext } from "node:vm";

/** One expression's result, as the messaging spec describes it. */
export type ExpressionResult =
  | { status: "ok"; data: Record<string, string>; metadata: Record<string, unknown> }
  | { status: "error"; ename: string; evalue: string; traceback: string[] };

/** Evaluates each expression of `requested` (name -> code); an expression's failure is its own result. */
export function evaluateExpressions(requested: unknown, bundle: (value: unknown) => Record<string, string>): Record<string, ExpressionResult> {
  if (typeof requested !== "object" || requested === null) return {};
  const results: Record<string, ExpressionResult> = {};
  for (const [name, code] of Object.entries(requested as Record<string, unknown>)) {
    try {
      if (typeof code !== "string") throw new TypeError(`user expression "${name}" is not a string`);
      // Sloppy-mode `with` puts the notebook's variables (tslab's exports) in scope.
      const value: unknown = runInThisContext(`(function () { with (globalThis.__tslab__ ? globalThis.__tslab__.exports : {}) { return (${code}\n); } })()`);
      results[name] = { status: "ok", data: bundle(value), metadata: {} };
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      results[name] = { status: "error", ename: e.name, evalue: e.message, traceback: [`${e.name}: ${e.message}`] };
    }
  }
  return results;
}
