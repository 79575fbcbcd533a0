/**
 * What a step's function is, as far as caching cares: a canonical form of its
 * code (so that formatting, comments and the compiler that produced it do not
 * matter), and the names it reads from outside itself.
 *
 * A notebook cell compiled by tslab and the same code in a script run by tsx
 * (esbuild) reach us as different JavaScript: `exports.raw` against `raw`,
 * `(0, math_1.double)(x)` against `(0, import_math.double)(x)`, esbuild's
 * `__name(...)` wrappers, minified whitespace. The canonical form undoes these,
 * so the notebook and its exported script share cache entries.
 */
import type * as TS from "typescript";
import { sha256, typescript } from "../util";

/** What a free name of a step is bound to in its notebook or module. */
export type Binding =
  /** A function or class: its code is part of the key (a helper); its own free names are looked up from it. */
  | { kind: "function"; source: string; fn: (...args: never[]) => unknown }
  /** A value: fingerprinted by value. */
  | { kind: "value"; value: unknown }
  /** The workbench, the store: not data, not part of the key. */
  | { kind: "not-data" };

/** A name bound by an import: `import { double as twice } from "./math"` gives twice -> { "./math", "double" }. */
export interface ImportBinding {
  specifier: string;
  /** The exported name, "default", or "*" for a namespace import or require(). */
  imported: string;
}

/** The names a piece of code can see from its module or notebook, by local name. */
export type ImportMap = Readonly<Record<string, ImportBinding>>;

/** What the analysis found outside the function. */
export interface CodeAnalysis {
  /** sha256 of the canonical form. */
  hash: string;
  /** Imports the code uses, by local name. */
  imports: Record<string, ImportBinding>;
  /** Free names that are neither globals, imports nor declared inside: notebook or module variables. */
  freeNames: string[];
  /** String literals that could name a file ("data/cars.csv"): what the step may read without pipelab seeing it. */
  pathLiterals: string[];
  /** Free names read as `exports.name`: variables of earlier notebook cells (tslab), not of the closure. */
  cellVariables: string[];
}

/** A string that could be a file path: a name with an extension or a folder, no spaces at its ends, not a URL. */
function looksLikePath(text: string): boolean {
  return text.length > 2 && text.length < 260 && !/[\n*?<>|"]/.test(text) && text.trim() === text && !/^[a-z]+:\/\//i.test(text) && /\.[A-Za-z0-9]{1,8}$|\//.test(text);
}

const ts = typescript;

/** Names every JavaScript function may use without declaring them. */
const AMBIENT = new Set(["arguments", "undefined", "NaN", "Infinity", "globalThis", "require", "module", "__dirname", "__filename", "this"]);

/** Whether a name is a global of this process (Math, JSON, console, Buffer, fetch, ...). */
export function isGlobalName(name: string): boolean {
  return AMBIENT.has(name) || name in globalThis;
}

/** A compiled import alias: TypeScript's `math_1`, esbuild's `import_math`. */
function isCompiledAlias(name: string): boolean {
  return /^import_[\w$]+$/.test(name) || /^[\w$]+_\d+$/.test(name);
}

/** The local name an alias's member refers to: `math_1.double` -> "double" (or its local rename). */
function localNameFor(imported: string, imports: ImportMap): string {
  for (const [local, b] of Object.entries(imports)) if (b.imported === imported) return local;
  return imported;
}

/** Collects every name declared anywhere inside `root` (parameters, variables, functions, classes, catch bindings). */
function declaredNames(root: TS.Node): Set<string> {
  const t = ts();
  const names = new Set<string>();
  const addBinding = (name: TS.BindingName): void => {
    if (t.isIdentifier(name)) names.add(name.text);
    else for (const el of name.elements) if (!t.isOmittedExpression(el)) addBinding(el.name);
  };
  const visit = (node: TS.Node): void => {
    if (t.isVariableDeclaration(node) || t.isParameter(node) || t.isBindingElement(node)) addBinding(node.name);
    else if ((t.isFunctionDeclaration(node) || t.isFunctionExpression(node) || t.isClassDeclaration(node) || t.isClassExpression(node)) && node.name) {
      names.add(node.name.text);
    }
    t.forEachChild(node, visit);
  };
  visit(root);
  return names;
}

/** Whether an identifier node stands for a value read (not a property name, label or declaration). */
function isReference(id: TS.Identifier): boolean {
  const t = ts();
  const p = id.parent;
  if (!p) return true;
  if (t.isPropertyAccessExpression(p) && p.name === id) return false;
  if ((t.isPropertyAssignment(p) || t.isMethodDeclaration(p) || t.isPropertyDeclaration(p) || t.isGetAccessor(p) || t.isSetAccessor(p)) && p.name === id) {
    return false;
  }
  if (t.isBindingElement(p) && p.propertyName === id) return false;
  if ((t.isVariableDeclaration(p) || t.isParameter(p) || t.isBindingElement(p)) && p.name === id) return false;
  if ((t.isFunctionDeclaration(p) || t.isFunctionExpression(p) || t.isClassDeclaration(p) || t.isClassExpression(p)) && p.name === id) return false;
  if ((t.isLabeledStatement(p) || t.isBreakStatement(p) || t.isContinueStatement(p)) && p.label === id) return false;
  if (t.isMetaProperty(p)) return false;
  return true;
}

/** `__name(x, "x")` as esbuild's keepNames writes it. */
function isNameWrapper(node: TS.Node): node is TS.CallExpression {
  const t = ts();
  return (
    t.isCallExpression(node) &&
    t.isIdentifier(node.expression) &&
    node.expression.text === "__name" &&
    node.arguments.length === 2 &&
    t.isStringLiteral(node.arguments[1] as TS.Node)
  );
}

/**
 * Analyzes a function's source (what `fn.toString()` gives). `imports` is
 * what the code's module or notebook imported.
 */
export function analyzeFunction(source: string, imports: ImportMap): CodeAnalysis {
  const t = ts();
  const file = t.createSourceFile("step.js", `(${source}\n)`, t.ScriptTarget.Latest, true, t.ScriptKind.JS);
  const declared = declaredNames(file);
  // Names declared inside the function are renamed by order of declaration: compilers rename
  // shadowing locals (esbuild turns `({ raw }) => raw` into `({ raw: raw2 }) => raw2` when an
  // outer `raw` exists), and what a local is called changes nothing.
  const local = new Map([...declared].map((name, i) => [name, `$${i}`]));
  const used: Record<string, ImportBinding> = {};
  const free = new Set<string>();
  const paths = new Set<string>();
  const cellVariables = new Set<string>();

  const note = (name: string): string => {
    const renamed = local.get(name);
    if (renamed) return renamed;
    const binding = imports[name];
    if (binding) used[name] = binding;
    else if (!isGlobalName(name)) free.add(name);
    return name;
  };

  /** Whether an identifier is the name a declaration introduces. */
  const isDeclarationName = (id: TS.Identifier): boolean => {
    const p = id.parent;
    return (
      !!p &&
      (((t.isVariableDeclaration(p) || t.isParameter(p) || t.isBindingElement(p)) && p.name === id) ||
        ((t.isFunctionDeclaration(p) || t.isFunctionExpression(p) || t.isClassDeclaration(p) || t.isClassExpression(p)) && p.name === id))
    );
  };

  const canon = (node: TS.Node): string => {
    // Parentheses are syntax, not meaning: the tree already says what groups.
    if (t.isParenthesizedExpression(node)) return canon(node.expression);
    if (isNameWrapper(node)) return canon(node.arguments[0] as TS.Node);
    if (t.isExpressionStatement(node) && isNameWrapper(node.expression)) return "";
    if (t.isClassStaticBlockDeclaration(node) && node.body.statements.every((s) => t.isExpressionStatement(s) && isNameWrapper(s.expression))) {
      return "";
    }
    // (0, f)(x) is how compilers call an imported function without a `this`.
    if (t.isBinaryExpression(node) && node.operatorToken.kind === t.SyntaxKind.CommaToken && t.isNumericLiteral(node.left) && node.left.text === "0") {
      return canon(node.right);
    }
    if (t.isPropertyAccessExpression(node) && t.isIdentifier(node.expression) && !declared.has(node.expression.text)) {
      const target = node.expression.text;
      const member = node.name.text;
      // tslab: a variable of an earlier cell is `exports.name`.
      if (target === "exports") {
        const id = note(member);
        if (free.has(member)) cellVariables.add(member);
        return `(Id ${id})`;
      }
      // A compiled named or default import: `math_1.double`, `import_math.default`.
      if (isCompiledAlias(target) && !imports[target]) return `(Id ${note(localNameFor(member, imports))})`;
    }
    // `{ a: b }` and `{ a }` in a binding: the property read, and the local it goes to.
    if (t.isBindingElement(node)) {
      const prop = node.propertyName ? (t.isIdentifier(node.propertyName) ? node.propertyName.text : canon(node.propertyName)) : t.isIdentifier(node.name) ? node.name.text : "";
      return `(BindingElement ${node.dotDotDotToken ? "... " : ""}${prop} ${canon(node.name)}${node.initializer ? ` ${canon(node.initializer)}` : ""})`;
    }
    if (t.isShorthandPropertyAssignment(node)) {
      const name = node.name.text;
      return `(PropertyAssignment (Id ${name}) (Id ${note(name)}))`;
    }
    if (t.isIdentifier(node)) {
      if (isDeclarationName(node)) return `(Id ${local.get(node.text) ?? node.text})`;
      return `(Id ${isReference(node) ? note(node.text) : node.text})`;
    }
    if (t.isStringLiteral(node) || t.isNoSubstitutionTemplateLiteral(node)) {
      if (looksLikePath(node.text)) paths.add(node.text);
      return `(Str ${JSON.stringify(node.text)})`;
    }
    if (t.isNumericLiteral(node)) return `(Num ${Number(node.text)})`;
    if (t.isBigIntLiteral(node) || t.isRegularExpressionLiteral(node)) return `(Lit ${node.text})`;
    if (t.isTemplateHead(node) || t.isTemplateMiddle(node) || t.isTemplateTail(node)) return `(Tpl ${JSON.stringify(node.text)})`;
    const parts: string[] = [];
    t.forEachChild(node, (child) => {
      const c = canon(child);
      if (c) parts.push(c);
    });
    const kind = t.SyntaxKind[node.kind];
    // Operators and keywords that are tokens of their own (+, ===, async, static) carry their kind.
    return parts.length === 0 ? kind ?? String(node.kind) : `(${kind} ${parts.join(" ")})`;
  };

  const text = canon(file);
  return { hash: sha256(text), imports: used, freeNames: [...free].sort(), pathLiterals: [...paths].sort(), cellVariables: [...cellVariables].sort() };
}

/**
 * The imports of a module's source, by local name: ES imports and
 * `const x = require("...")`. Type-only imports are left out.
 */
export function importsOfSource(source: string, fileName = "module.ts"): Record<string, ImportBinding> {
  const t = ts();
  const file = t.createSourceFile(fileName, source, t.ScriptTarget.Latest, false, fileName.endsWith(".js") ? t.ScriptKind.JS : t.ScriptKind.TS);
  const map: Record<string, ImportBinding> = {};
  for (const stmt of file.statements) {
    if (t.isImportDeclaration(stmt) && t.isStringLiteral(stmt.moduleSpecifier) && stmt.importClause && !stmt.importClause.isTypeOnly) {
      const specifier = stmt.moduleSpecifier.text;
      const clause = stmt.importClause;
      if (clause.name) map[clause.name.text] = { specifier, imported: "default" };
      const bindings = clause.namedBindings;
      if (bindings && t.isNamespaceImport(bindings)) map[bindings.name.text] = { specifier, imported: "*" };
      if (bindings && t.isNamedImports(bindings)) {
        for (const el of bindings.elements) {
          if (!el.isTypeOnly) map[el.name.text] = { specifier, imported: (el.propertyName ?? el.name).text };
        }
      }
    } else if (t.isImportEqualsDeclaration(stmt) && t.isExternalModuleReference(stmt.moduleReference)) {
      const expr = stmt.moduleReference.expression;
      if (t.isStringLiteral(expr)) map[stmt.name.text] = { specifier: expr.text, imported: "*" };
    } else if (t.isVariableStatement(stmt)) {
      for (const decl of stmt.declarationList.declarations) {
        const init = decl.initializer;
        if (
          t.isIdentifier(decl.name) &&
          init &&
          t.isCallExpression(init) &&
          t.isIdentifier(init.expression) &&
          init.expression.text === "require" &&
          init.arguments.length === 1 &&
          t.isStringLiteral(init.arguments[0] as TS.Node)
        ) {
          map[decl.name.text] = { specifier: (init.arguments[0] as TS.StringLiteral).text, imported: "*" };
        }
      }
    }
  }
  return map;
}
