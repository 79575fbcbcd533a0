import type * as TS from "typescript";
import { ExportError } from "../errors";
import { typescript } from "../util";

/** A parameter a notebook or script declares with wb.params({...}): its name and default. */
export interface DeclaredParam {
  name: string;
  type: "number" | "string" | "boolean" | "json";
  default: unknown;
}

const ts = typescript;

/**
 * The parameters declared in TypeScript source: the keys of object literals
 * passed to `<something>.params({...})`, with their literal defaults. Read
 * without running anything, so `pipelab run --param` can be checked first.
 */
export function declaredParams(source: string): DeclaredParam[] {
  const t = ts();
  const file = t.createSourceFile("source.ts", source, t.ScriptTarget.Latest, true, t.ScriptKind.TS);
  const found = new Map<string, DeclaredParam>();
  const literal = (e: TS.Expression): { type: DeclaredParam["type"]; value: unknown } | undefined => {
    if (t.isNumericLiteral(e)) return { type: "number", value: Number(e.text) };
    if (t.isPrefixUnaryExpression(e) && e.operator === t.SyntaxKind.MinusToken && t.isNumericLiteral(e.operand)) return { type: "number", value: -Number(e.operand.text) };
    if (t.isStringLiteral(e) || t.isNoSubstitutionTemplateLiteral(e)) return { type: "string", value: e.text };
    if (e.kind === t.SyntaxKind.TrueKeyword) return { type: "boolean", value: true };
    if (e.kind === t.SyntaxKind.FalseKeyword) return { type: "boolean", value: false };
    return { type: "json", value: undefined };
  };
  const visit = (node: TS.Node): void => {
    if (
      t.isCallExpression(node) &&
      t.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === "params" &&
      node.arguments.length === 1 &&
      t.isObjectLiteralExpression(node.arguments[0] as TS.Node)
    ) {
      for (const prop of (node.arguments[0] as TS.ObjectLiteralExpression).properties) {
        if (!t.isPropertyAssignment(prop)) continue;
        const name = t.isIdentifier(prop.name) || t.isStringLiteral(prop.name) ? prop.name.text : undefined;
        if (!name) continue;
        const value = literal(prop.initializer);
        if (value && !found.has(name)) found.set(name, { name, type: value.type, default: value.value });
      }
    }
    t.forEachChild(node, visit);
  };
  visit(file);
  return [...found.values()];
}

/**
 * `--param name=value` arguments as typed overrides, checked against the
 * declared parameters: unknown names and values of the wrong type are
 * errors that list what is declared.
 */
export function parseParamArgs(args: readonly string[], declared: readonly DeclaredParam[], where: string): Record<string, unknown> {
  const byName = new Map(declared.map((d) => [d.name, d]));
  const out: Record<string, unknown> = {};
  for (const arg of args) {
    const eq = arg.indexOf("=");
    if (eq <= 0) throw new ExportError(`invalid --param ${JSON.stringify(arg)}: use name=value, e.g. --param lr=0.01`);
    const name = arg.slice(0, eq);
    const text = arg.slice(eq + 1);
    const d = byName.get(name);
    if (!d) {
      const known = declared.map((p) => `${p.name} (${p.type}, default ${JSON.stringify(p.default)})`).join(", ");
      throw new ExportError(`unknown parameter "${name}": ${where} declares ${known || "no parameters (wb.params({...}))"}`);
    }
    out[name] = coerce(d, text);
  }
  return out;
}

function coerce(d: DeclaredParam, text: string): unknown {
  switch (d.type) {
    case "number": {
      const n = Number(text);
      if (text.trim() === "" || !Number.isFinite(n)) throw new ExportError(`parameter "${d.name}" is a number (default ${String(d.default)}); got ${JSON.stringify(text)}`);
      return n;
    }
    case "boolean":
      if (text !== "true" && text !== "false") throw new ExportError(`parameter "${d.name}" is true or false (default ${String(d.default)}); got ${JSON.stringify(text)}`);
      return text === "true";
    case "string":
      return text;
    case "json":
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
  }
}
