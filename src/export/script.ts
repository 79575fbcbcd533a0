/**
 * A notebook as a TypeScript pipeline script.
 *
 * Cells are read through the TypeScript parser: imports are hoisted to the
 * top (relative paths re-pointed from the notebook's folder to the script's),
 * markdown becomes comments, cells tagged `skip-export` are dropped, a cell's
 * last bare expression (which the notebook displays) becomes console.log, a
 * variable that later cells declare again (tslab allows it) becomes one
 * `let`, and the body runs inside `runMain`, which runs it in the notebook's
 * folder (so relative paths read the same files), reports a failing step and
 * sets the exit code. The result is formatted by TypeScript's formatter.
 */
import { dirname, isAbsolute, relative, resolve } from "node:path";
import type * as TS from "typescript";
import { ExportError } from "../errors";
import { typescript } from "../util";
import type { NotebookIR } from "./notebook";

/** The TypeScript compiler, loaded on first use (it is large, and most commands never need it). */
export const ts = typescript;

/** The tag that keeps a cell out of exported scripts (exploration, checks). */
export const SKIP_TAG = "skip-export";

interface Piece {
  cell: number;
  text: string;
}

/** Re-points a relative import written in `fromDir` so that it means the same file from `toDir` (notebook -> script, and back). */
export function repoint(specifier: string, fromDir: string, toDir: string): string {
  if (!specifier.startsWith(".") && !isAbsolute(specifier)) return specifier;
  let rel = relative(toDir, resolve(fromDir, specifier)).split("\\").join("/");
  if (!rel.startsWith(".")) rel = `./${rel}`;
  return rel;
}

/** What export writes above a script (the notebook's path, its hash, two notes) and before each cell: import reads them back. */
export const EXPORT_HEADER = {
  source: "// A pipelab pipeline, exported from ",
  hash: "// (notebook sha256 ",
  edit: "// Edit the notebook and export it again rather than this file.",
  run: "// Run it: npx pipelab run ",
} as const;
export const CELL_MARKER = "// cell ";

function isDisplayOnly(t: typeof TS, e: TS.Expression): boolean {
  let x = e;
  while (t.isParenthesizedExpression(x)) x = x.expression;
  return !(t.isCallExpression(x) || t.isAwaitExpression(x) || t.isNewExpression(x) || t.isDeleteExpression(x) || t.isVoidExpression(x) ||
    (t.isBinaryExpression(x) && x.operatorToken.kind >= t.SyntaxKind.FirstAssignment && x.operatorToken.kind <= t.SyntaxKind.LastAssignment) ||
    t.isPostfixUnaryExpression(x) || (t.isPrefixUnaryExpression(x) && (x.operator === t.SyntaxKind.PlusPlusToken || x.operator === t.SyntaxKind.MinusMinusToken)));
}

/** Formats TypeScript source with the compiler's own formatter (template literals stay untouched). */
export function formatTypeScript(text: string): string {
  const t = ts();
  const file = "script.ts";
  const host: TS.LanguageServiceHost = {
    getCompilationSettings: () => ({ target: t.ScriptTarget.ES2022 }),
    getScriptFileNames: () => [file],
    getScriptVersion: () => "1",
    getScriptSnapshot: (name) => (name === file ? t.ScriptSnapshot.fromString(text) : undefined),
    getCurrentDirectory: () => "/",
    getDefaultLibFileName: (o) => t.getDefaultLibFilePath(o),
    fileExists: (name) => name === file,
    readFile: (name) => (name === file ? text : undefined),
  };
  const service = t.createLanguageService(host);
  const edits = service.getFormattingEditsForDocument(file, {
    ...t.getDefaultFormatCodeSettings("\n"),
    indentSize: 2,
    tabSize: 2,
    convertTabsToSpaces: true,
    insertSpaceAfterOpeningAndBeforeClosingNonemptyBraces: true,
    semicolons: t.SemicolonPreference.Insert,
  });
  let out = text;
  for (const e of [...edits].sort((a, b) => b.span.start - a.span.start)) {
    out = out.slice(0, e.span.start) + e.newText + out.slice(e.span.start + e.span.length);
  }
  service.dispose();
  return out;
}

/**
 * The pipeline script of a notebook, as TypeScript source.
 *
 * @example
 * ```ts
 * const script = notebookToScript(readNotebook("notebooks/01-penguins-classification.ipynb"), { scriptPath: "pipelines/penguins.ts" });
 * ```
 */
export function notebookToScript(nb: NotebookIR, options: { scriptPath: string; exportedAt?: Date }): string {
  const t = ts();
  const notebookDir = dirname(resolve(nb.path));
  const scriptDir = dirname(resolve(options.scriptPath));
  const imports = new Map<string, string>();
  const body: Piece[] = [];
  const declaredIn = new Map<string, number[]>();
  const cells = nb.cells.filter((c) => c.kind !== "raw" && !c.tags.includes(SKIP_TAG));

  // First pass: which top-level names are declared in which cells.
  for (const cell of cells) {
    if (cell.kind !== "code") continue;
    const file = t.createSourceFile(`cell${cell.index}.ts`, cell.source, t.ScriptTarget.Latest, true, t.ScriptKind.TS);
    for (const stmt of file.statements) {
      if (!t.isVariableStatement(stmt)) continue;
      for (const d of stmt.declarationList.declarations) {
        if (t.isIdentifier(d.name)) declaredIn.set(d.name.text, [...(declaredIn.get(d.name.text) ?? []), cell.index]);
      }
    }
  }
  const redeclared = new Set([...declaredIn].filter(([, where]) => where.length > 1).map(([name]) => name));
  const seen = new Set<string>();

  for (const cell of cells) {
    if (cell.kind === "markdown") {
      const lines = cell.source.trim().split("\n").map((l) => `// ${l}`.trimEnd());
      body.push({ cell: cell.index, text: lines.join("\n") });
      continue;
    }
    const file = t.createSourceFile(`cell${cell.index}.ts`, cell.source, t.ScriptTarget.Latest, true, t.ScriptKind.TS);
    const parts: string[] = [];
    file.statements.forEach((stmt, i) => {
      if (t.isImportDeclaration(stmt) && t.isStringLiteral(stmt.moduleSpecifier)) {
        const spec = stmt.moduleSpecifier.text;
        const text = stmt.getText(file).replace(JSON.stringify(spec).slice(1, -1), repoint(spec, notebookDir, scriptDir));
        imports.set(text, text);
        return;
      }
      let text = stmt.getFullText(file).replace(/^\s*\n/, "");
      if (t.isVariableStatement(stmt)) {
        const names = stmt.declarationList.declarations.map((d) => (t.isIdentifier(d.name) ? d.name.text : undefined));
        const again = names.filter((n): n is string => n !== undefined && redeclared.has(n));
        if (again.length > 0) {
          if (stmt.declarationList.declarations.length !== 1) {
            throw new ExportError(`cell ${cell.index + 1} declares ${again.join(", ")} again in a statement that declares several names; split it so that it can be exported`);
          }
          const name = again[0] as string;
          const decl = stmt.declarationList.declarations[0] as TS.VariableDeclaration;
          if (seen.has(name)) {
            // Declared again by a later cell: in one script it is an assignment to the same `let`.
            text = `${name} = ${decl.initializer ? decl.initializer.getText(file) : "undefined"};`;
          } else {
            seen.add(name);
            text = text.replace(/\b(const|var)\b/, "let");
          }
        }
      }
      if (i === file.statements.length - 1 && t.isExpressionStatement(stmt) && isDisplayOnly(t, stmt.expression)) {
        // The notebook displays a cell's last expression; the script prints it, under the same comments.
        const leading = stmt.getFullText(file).slice(0, stmt.getStart(file) - stmt.getFullStart()).replace(/^\s*\n/, "");
        text = `${leading}console.log(${stmt.expression.getText(file)});`;
      }
      parts.push(text.trimEnd());
    });
    if (parts.length > 0) body.push({ cell: cell.index, text: `${CELL_MARKER}${cell.index + 1}\n${parts.join("\n")}` });
  }

  const importLines = [...imports.values()];
  const importsRunMain = importLines.some((l) => /\brunMain\b/.test(l) && /from ["']pipelab["']/.test(l));
  if (!importsRunMain) importLines.push('import { runMain } from "pipelab";');
  const notebook = relative(scriptDir, resolve(nb.path)).split("\\").join("/");
  const header = [
    `${EXPORT_HEADER.source}${notebook}`,
    `${EXPORT_HEADER.hash}${nb.hash}${options.exportedAt ? `, ${options.exportedAt.toISOString().slice(0, 10)}` : ""}).`,
    EXPORT_HEADER.edit,
    `${EXPORT_HEADER.run}${relative(process.cwd(), resolve(options.scriptPath)).split("\\").join("/")} [--param name=value ...]`,
  ];
  // The script runs in the notebook's folder, so that relative paths read the same files.
  const workingDir = relative(scriptDir, notebookDir).split("\\").join("/") || ".";
  const text = [...header, "", ...importLines, "", "runMain(async () => {", body.map((p) => p.text).join("\n\n"), `}, { workingDir: ${JSON.stringify(workingDir)} });`, ""].join("\n");
  const syntax = syntaxErrors(text);
  if (syntax.length > 0) {
    throw new ExportError(`the exported script of ${nb.path} does not parse: ${t.flattenDiagnosticMessageText(syntax[0]?.messageText ?? "", "\n")}`);
  }
  return formatTypeScript(text);
}

/** The syntax errors of TypeScript source, through the compiler's public API (a transpile reports only those). */
export function syntaxErrors(text: string, fileName = "script.ts"): TS.Diagnostic[] {
  const t = ts();
  return (t.transpileModule(text, { fileName, reportDiagnostics: true, compilerOptions: { target: t.ScriptTarget.ES2022 } }).diagnostics ?? []).filter(
    (d) => d.category === t.DiagnosticCategory.Error,
  );
}
