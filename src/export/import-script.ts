/**
 * A pipeline script as a notebook: the inverse of `notebookToScript`.
 *
 * The script is read through the TypeScript parser. Its body is what
 * `runMain(async () => {...})` runs (or a top-level async IIFE, or else the
 * top-level statements). Imports go into the first code cell, relative paths
 * re-pointed from the script's folder to the notebook's. With export's
 * `// cell N` markers, each marker starts a code cell and the comment blocks
 * between cells become markdown; a hand-written script gets a code cell per
 * statement that calls `.step(` (the statements before the first step share
 * one), and its comment blocks set apart by blank lines become markdown.
 * Export's `let` for a name that later cells declare again goes back to a
 * `const` in each cell where nothing else assigns it. Exporting the notebook
 * again gives the same script, apart from the header that names the notebook.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import type * as TS from "typescript";
import { ExportError, messageOf } from "../errors";
import { KERNEL_NAME, kernelJson } from "../setup";
import { findProjectRoot, writeFileAtomic } from "../util";
import { CELL_MARKER, EXPORT_HEADER, repoint, syntaxErrors, ts } from "./script";

/** The lines of the comment that export writes above a script, which the notebook does not need. */
const HEADER: readonly string[] = Object.values(EXPORT_HEADER);

/** Export's marker of where a notebook cell begins. */
const MARKER = new RegExp(`^${CELL_MARKER}(\\d+)\\s*$`);

/** The parsed script, and what the functions below need to know about it. */
interface Script {
  t: typeof TS;
  file: TS.SourceFile;
  text: string;
  /** Where the first statement begins: the export header can only be above it. */
  headerEnd: number;
  /** String and template literals, whose lines are never re-indented. */
  literals: [number, number][];
}

/** Comments on consecutive lines; a blank line ends a block, and a `// cell N` marker is a block of its own. */
interface CommentBlock {
  comments: TS.CommentRange[];
  pos: number;
  end: number;
  marker: number | undefined;
  blankBefore: boolean;
  blankAfter: boolean;
}

/** The statements that the notebook's cells come from, and the text around them. */
interface Body {
  statements: readonly TS.Statement[];
  /** Where the body's text begins (after `{`) and ends (before `}`). */
  pos: number;
  end: number;
  /** The top-level statement that runs the body (`runMain(...)`, an IIFE); none when the body is the file itself. */
  holder: TS.Statement | undefined;
}

interface CodeDraft {
  kind: "code";
  statements: TS.Statement[];
  /** The slice of the script that is the cell's source, comments included. */
  pos: number;
  end: number;
  /** The N of the `// cell N` marker that started it. */
  marker: number | undefined;
}

type Draft = { kind: "markdown"; source: string } | CodeDraft;

/** A replacement of the script's text between two offsets. */
interface Edit {
  pos: number;
  end: number;
  text: string;
}

interface Cell {
  kind: "code" | "markdown";
  source: string;
  marker?: number | undefined;
}

/**
 * The notebook of a pipeline script, as nbformat 4.5 JSON text: export's
 * cells, markdown and imports come back, ready to open in Jupyter with the
 * pipelab kernel.
 *
 * @example
 * ```ts
 * const json = scriptToNotebook("pipelines/penguins-classification.ts", { notebookPath: "notebooks/penguins.ipynb" });
 * ```
 */
export function scriptToNotebook(scriptPath: string, options: { notebookPath: string }): string {
  const s = parseScript(scriptPath);
  const body = findBody(s);
  const outer = outerParts(s, body, dirname(resolve(scriptPath)), dirname(resolve(options.notebookPath)));
  const drafts = draftCells(s, body);
  const edits = constRedeclarations(s.t, drafts.filter((d): d is CodeDraft => d.kind === "code"));
  const cells: Cell[] = [
    ...outer.before.map((source): Cell => ({ kind: "markdown", source })),
    ...drafts.map((d): Cell => (d.kind === "markdown" ? d : { kind: "code", source: codeSource(s, d, edits), marker: d.marker })),
    ...outer.after.map((source): Cell => ({ kind: "markdown", source })),
  ];
  return notebookJson(withHead(cells, outer.head));
}

/**
 * Imports a pipeline script into a notebook file (what `pipelab import` does)
 * and returns the notebook's path: by default notebooks/NAME.ipynb at the
 * project root. An existing notebook is replaced only with `force`.
 *
 * @example
 * ```ts
 * importScript("pipelines/penguins-classification.ts", { notebook: "notebooks/penguins-again.ipynb" });
 * ```
 */
export function importScript(script: string, options: { notebook?: string; force?: boolean } = {}): string {
  const scriptPath = resolve(script);
  const notebook = resolve(options.notebook ?? defaultNotebookPath(scriptPath));
  if (existsSync(notebook) && !options.force) {
    throw new ExportError(`${notebook} already exists; import with --force to replace it, or choose another file with -o`);
  }
  const json = scriptToNotebook(scriptPath, { notebookPath: notebook });
  mkdirSync(dirname(notebook), { recursive: true });
  writeFileAtomic(notebook, json);
  return notebook;
}

/** The default place of a script's notebook: notebooks/NAME.ipynb at the project root. */
function defaultNotebookPath(script: string): string {
  return join(findProjectRoot(dirname(resolve(script))), "notebooks", `${basename(script, extname(script))}.ipynb`);
}

function parseScript(path: string): Script {
  const t = ts();
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ExportError(`cannot read the script ${path}: ${messageOf(error)}`, { cause: error });
  }
  const file = t.createSourceFile(path, text, t.ScriptTarget.Latest, true, t.ScriptKind.TS);
  const [problem] = syntaxErrors(text, path);
  if (problem) {
    const { line, character } = file.getLineAndCharacterOfPosition(problem.start ?? 0);
    throw new ExportError(`${path}:${line + 1}:${character + 1}: the script does not parse: ${t.flattenDiagnosticMessageText(problem.messageText, "\n")}; fix it, then import it again`);
  }
  return { t, file, text, headerEnd: file.statements[0]?.getStart(file) ?? text.length, literals: literalRanges(t, file) };
}

function literalRanges(t: typeof TS, file: TS.SourceFile): [number, number][] {
  const ranges: [number, number][] = [];
  const visit = (node: TS.Node): void => {
    if (t.isStringLiteral(node) || t.isNoSubstitutionTemplateLiteral(node) || t.isTemplateHead(node) || t.isTemplateMiddle(node) || t.isTemplateTail(node)) {
      ranges.push([node.getStart(file), node.end]);
    }
    t.forEachChild(node, visit);
  };
  visit(file);
  return ranges;
}

type MainFunction = (TS.ArrowFunction | TS.FunctionExpression) & { body: TS.Block };

/** The function that `runMain(fn)` or `(async () => {...})()` runs, if the statement is one of those. */
function mainFunction(t: typeof TS, stmt: TS.Statement): MainFunction | undefined {
  if (!t.isExpressionStatement(stmt)) return undefined;
  let e = stmt.expression;
  while (t.isAwaitExpression(e) || t.isVoidExpression(e) || t.isParenthesizedExpression(e)) e = e.expression;
  if (!t.isCallExpression(e)) return undefined;
  let callee: TS.Expression = e.expression;
  while (t.isParenthesizedExpression(callee)) callee = callee.expression;
  const fn = t.isIdentifier(callee) && callee.text === "runMain" ? e.arguments[0] : e.arguments.length === 0 ? callee : undefined;
  if (fn && (t.isArrowFunction(fn) || t.isFunctionExpression(fn)) && t.isBlock(fn.body)) return fn as MainFunction;
  return undefined;
}

function findBody(s: Script): Body {
  for (const stmt of s.file.statements) {
    const fn = mainFunction(s.t, stmt);
    if (fn) return { statements: fn.body.statements, pos: fn.body.getStart(s.file) + 1, end: fn.body.end - 1, holder: stmt };
  }
  return { statements: s.file.statements.filter((x) => !s.t.isImportDeclaration(x)), pos: 0, end: s.text.length, holder: undefined };
}

/** Where a statement ends, with a comment on the rest of its last line. */
function extentEnd(s: Script, node: TS.Node): number {
  return s.t.getTrailingCommentRanges(s.text, node.end)?.at(-1)?.end ?? node.end;
}

function newlines(text: string): number {
  return text.split("\n").length - 1;
}

/** The comment blocks in the trivia that starts at `from` and ends at `to` (the export header left out). */
function commentBlocks(s: Script, from: number, to: number): CommentBlock[] {
  const ranges = (s.t.getLeadingCommentRanges(s.text, from) ?? []).filter(
    (c) => c.end <= to && !(c.pos < s.headerEnd && HEADER.some((h) => s.text.startsWith(h, c.pos))),
  );
  const blocks: CommentBlock[] = [];
  for (const c of ranges) {
    const last = blocks.at(-1);
    const blankBefore = newlines(s.text.slice(last?.end ?? from, c.pos)) >= 2;
    const marker = MARKER.exec(s.text.slice(c.pos, c.end));
    if (last && !blankBefore && !marker && last.marker === undefined) {
      last.comments.push(c);
      last.end = c.end;
    } else {
      blocks.push({ comments: [c], pos: c.pos, end: c.end, marker: marker ? Number(marker[1]) : undefined, blankBefore, blankAfter: false });
    }
  }
  blocks.forEach((b, i) => (b.blankAfter = newlines(s.text.slice(b.end, blocks[i + 1]?.pos ?? to)) >= 2));
  return blocks;
}

/** A comment block as markdown: `// ` (or a block comment's ` * `) taken off each line. */
function markdownOf(s: Script, block: CommentBlock): string {
  const lines = block.comments.flatMap((c) => {
    const text = s.text.slice(c.pos, c.end);
    if (c.kind === s.t.SyntaxKind.SingleLineCommentTrivia) return [text.replace(/^\/\/ ?/, "")];
    return text
      .replace(/^\/\*+/, "")
      .replace(/\*\/$/, "")
      .split("\n")
      .map((l) => l.replace(/^\s*\* ?/, ""));
  });
  return lines.join("\n").trim();
}

/** The imports (first code cell) and the comments and helpers outside the body. */
function outerParts(s: Script, body: Body, scriptDir: string, notebookDir: string): { head: string; before: string[]; after: string[] } {
  const imports: string[] = [];
  const helpers: string[] = [];
  const before: string[] = [];
  for (const stmt of s.file.statements) {
    if (body.holder === undefined && !s.t.isImportDeclaration(stmt)) continue;
    const blocks = commentBlocks(s, stmt.pos, stmt.getStart(s.file));
    const attached = stmt === body.holder ? undefined : attachedBlock(blocks);
    before.push(...blocks.filter((b) => b !== attached).map((b) => markdownOf(s, b)));
    const start = attached?.pos ?? stmt.getStart(s.file);
    if (s.t.isImportDeclaration(stmt)) {
      const text = importText(s, stmt, scriptDir, notebookDir);
      if (text !== undefined) imports.push(`${s.text.slice(start, stmt.getStart(s.file))}${text}`);
    } else if (stmt !== body.holder) {
      helpers.push(s.text.slice(start, extentEnd(s, stmt)));
    }
  }
  const last = s.file.statements.at(-1);
  const after = body.holder && last ? commentBlocks(s, last.end, s.text.length).map((b) => markdownOf(s, b)) : [];
  const head = [imports.join("\n"), helpers.join("\n\n")].filter((x) => x !== "").join("\n\n");
  return { head, before, after };
}

/** An import as the notebook has it: without `runMain` from "pipelab", a relative path re-pointed to the notebook's folder. */
function importText(s: Script, stmt: TS.ImportDeclaration, scriptDir: string, notebookDir: string): string | undefined {
  const { t, file } = s;
  const spec = stmt.moduleSpecifier;
  if (!t.isStringLiteral(spec)) return stmt.getText(file);
  const clause = stmt.importClause;
  const named = clause?.namedBindings && t.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : undefined;
  if (spec.text === "pipelab" && clause && named?.some((e) => e.name.text === "runMain")) {
    // runMain runs a script's body; a notebook runs its cells.
    const rest = named.filter((e) => e.name.text !== "runMain").map((e) => e.getText(file));
    if (!clause.name && rest.length === 0) return undefined;
    const bindings = [clause.name?.text, rest.length > 0 ? `{ ${rest.join(", ")} }` : undefined].filter((x) => x !== undefined);
    return `import ${clause.isTypeOnly ? "type " : ""}${bindings.join(", ")} from ${spec.getText(file)};`;
  }
  const start = stmt.getStart(file);
  const text = stmt.getText(file);
  const inner = spec.getStart(file) + 1 - start;
  return text.slice(0, inner) + repoint(spec.text, scriptDir, notebookDir) + text.slice(spec.end - 1 - start);
}

/** Collects the cells of the body, in order; a markdown cell ends the code cell before it. */
class CellBuilder {
  readonly drafts: Draft[] = [];
  private open: CodeDraft | undefined;

  constructor(private readonly s: Script) {}

  get isOpen(): boolean {
    return this.open !== undefined;
  }

  /** A comment block between statements: a comment of the code it follows on the next line, else markdown. */
  between(block: CommentBlock): void {
    if (this.open && !block.blankBefore) this.open.end = block.end;
    else this.markdown(block);
  }

  markdown(block: CommentBlock): void {
    this.open = undefined;
    this.drafts.push({ kind: "markdown", source: markdownOf(this.s, block) });
  }

  /** Starts a code cell whose source begins at `pos`. */
  start(stmt: TS.Statement, pos: number, marker?: number): void {
    this.open = { kind: "code", statements: [stmt], pos, end: extentEnd(this.s, stmt), marker };
    this.drafts.push(this.open);
  }

  add(stmt: TS.Statement): void {
    if (!this.open) throw new Error("no open cell to add to");
    this.open.statements.push(stmt);
    this.open.end = extentEnd(this.s, stmt);
  }
}

/** Where the line of `pos` begins, when only indentation precedes it there. */
function lineStart(text: string, pos: number): number {
  const start = text.lastIndexOf("\n", pos - 1) + 1;
  return /^[ \t]*$/.test(text.slice(start, pos)) ? start : pos;
}

function draftCells(s: Script, body: Body): Draft[] {
  const cells = new CellBuilder(s);
  const trivia = body.statements.map((stmt) => commentBlocks(s, stmt.pos, stmt.getStart(s.file)));
  const byMarker = trivia.some((blocks) => blocks.some((b) => b.marker !== undefined));
  body.statements.forEach((stmt, i) => {
    const blocks = trivia[i] ?? [];
    const m = lastIndex(blocks, (b) => b.marker !== undefined);
    const marker = blocks[m];
    if (marker) {
      // Comments above a marker are markdown cells; comments below it belong to the cell's code.
      for (const b of blocks.slice(0, m)) if (b.marker === undefined) cells.between(b);
      cells.start(stmt, s.text.indexOf("\n", marker.end) + 1, marker.marker);
    } else if (byMarker && cells.isOpen) {
      cells.add(stmt);
    } else {
      const attached = attachedBlock(blocks);
      for (const b of blocks) if (b !== attached) cells.between(b);
      if (cells.isOpen && !callsStep(s.t, stmt)) cells.add(stmt);
      else cells.start(stmt, lineStart(s.text, attached?.pos ?? stmt.getStart(s.file)));
    }
  });
  const last = body.statements.at(-1);
  for (const b of commentBlocks(s, last?.end ?? body.pos, body.end)) cells.between(b);
  return cells.drafts;
}

/** The comment block right above a statement, with no blank line between: it documents the statement. */
function attachedBlock(blocks: readonly CommentBlock[]): CommentBlock | undefined {
  const last = blocks.at(-1);
  return last && !last.blankAfter ? last : undefined;
}

function lastIndex<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i] as T)) return i;
  return -1;
}

/** Whether a statement runs a pipeline step (`wb.step(...)`), not counting functions it only defines. */
function callsStep(t: typeof TS, node: TS.Node): boolean {
  if (t.isFunctionLike(node) || t.isClassLike(node)) return false;
  if (t.isCallExpression(node) && t.isPropertyAccessExpression(node.expression) && node.expression.name.text === "step") return true;
  return t.forEachChild(node, (child) => callsStep(t, child) || undefined) ?? false;
}

/**
 * Export turns a name that several cells declare into one `let` and later
 * assignments; this turns them back into a `const` per cell, which tslab
 * allows. Only where that is unambiguous: one `let` with a value, then whole
 * statements `x = expr;` that do not read x, each in a later cell of its
 * own, and no other assignment to x anywhere (closures included).
 */
function constRedeclarations(t: typeof TS, cells: readonly CodeDraft[]): Edit[] {
  const lets = new Map<string, { cell: number; list: TS.VariableDeclarationList }[]>();
  const assignments = new Map<string, { cell: number; stmt: TS.ExpressionStatement; value: TS.Expression }[]>();
  cells.forEach((c, cell) => {
    for (const stmt of c.statements) {
      const declared = letName(t, stmt);
      if (declared && t.isVariableStatement(stmt)) lets.set(declared, [...(lets.get(declared) ?? []), { cell, list: stmt.declarationList }]);
      const a = wholeAssignment(t, stmt);
      if (a) assignments.set(a.name, [...(assignments.get(a.name) ?? []), { cell, stmt: a.stmt, value: a.value }]);
    }
  });
  const writes = writeCounts(t, cells.flatMap((c) => c.statements));
  const edits: Edit[] = [];
  for (const [name, declarations] of lets) {
    const decl = declarations[0];
    const later = assignments.get(name) ?? [];
    if (!decl || declarations.length > 1 || later.length === 0 || writes.get(name) !== later.length) continue;
    const order = [decl.cell, ...later.map((a) => a.cell)];
    if (order.some((cell, i) => i > 0 && cell <= (order[i - 1] as number))) continue;
    if (later.some((a) => mentions(t, a.value, name))) continue;
    const at = decl.list.getStart();
    edits.push({ pos: at, end: at + "let".length, text: "const" });
    for (const a of later) edits.push({ pos: a.stmt.getStart(), end: a.stmt.getStart(), text: "const " });
  }
  return edits;
}

/** The name of `let x = value;` (one declaration, with a value), if the statement is that. */
function letName(t: typeof TS, stmt: TS.Statement): string | undefined {
  if (!t.isVariableStatement(stmt) || !(stmt.declarationList.flags & t.NodeFlags.Let)) return undefined;
  const [d, ...more] = stmt.declarationList.declarations;
  return d && more.length === 0 && t.isIdentifier(d.name) && d.initializer ? d.name.text : undefined;
}

/** `x = value;` as a whole statement. */
function wholeAssignment(t: typeof TS, stmt: TS.Statement): { name: string; stmt: TS.ExpressionStatement; value: TS.Expression } | undefined {
  if (!t.isExpressionStatement(stmt)) return undefined;
  const e = stmt.expression;
  if (!t.isBinaryExpression(e) || e.operatorToken.kind !== t.SyntaxKind.EqualsToken || !t.isIdentifier(e.left)) return undefined;
  return { name: e.left.text, stmt, value: e.right };
}

/** How many times each variable name is assigned anywhere in the statements (=, +=, ++, destructuring, for-of). */
function writeCounts(t: typeof TS, statements: readonly TS.Statement[]): Map<string, number> {
  const counts = new Map<string, number>();
  const count = (target: TS.Node): void => {
    if (t.isIdentifier(target)) counts.set(target.text, (counts.get(target.text) ?? 0) + 1);
    else if (t.isObjectLiteralExpression(target) || t.isArrayLiteralExpression(target) || t.isParenthesizedExpression(target)) t.forEachChild(target, count);
    else if (t.isShorthandPropertyAssignment(target)) count(target.name);
    else if (t.isPropertyAssignment(target) || t.isSpreadElement(target) || t.isSpreadAssignment(target)) count(t.isPropertyAssignment(target) ? target.initializer : target.expression);
    else if (t.isBinaryExpression(target) && target.operatorToken.kind === t.SyntaxKind.EqualsToken) count(target.left);
  };
  const visit = (node: TS.Node): void => {
    const k = t.SyntaxKind;
    if (t.isBinaryExpression(node) && node.operatorToken.kind >= k.FirstAssignment && node.operatorToken.kind <= k.LastAssignment) count(node.left);
    if ((t.isPrefixUnaryExpression(node) || t.isPostfixUnaryExpression(node)) && (node.operator === k.PlusPlusToken || node.operator === k.MinusMinusToken)) count(node.operand);
    if ((t.isForOfStatement(node) || t.isForInStatement(node)) && !t.isVariableDeclarationList(node.initializer)) count(node.initializer);
    t.forEachChild(node, visit);
  };
  statements.forEach(visit);
  return counts;
}

/** Whether an expression reads the variable `name` (a property named so does not count). */
function mentions(t: typeof TS, node: TS.Node, name: string): boolean {
  if (t.isIdentifier(node)) return node.text === name && !(t.isPropertyAccessExpression(node.parent) && node.parent.name === node);
  return t.forEachChild(node, (child) => mentions(t, child, name) || undefined) ?? false;
}

/** A code cell's source: its slice of the script, with the edits, taken back to the left margin (literals untouched). */
function codeSource(s: Script, cell: CodeDraft, edits: readonly Edit[]): string {
  const lines: number[] = [];
  for (let p = lineStart(s.text, cell.pos); p < cell.end; p = s.text.indexOf("\n", p) + 1 || cell.end) {
    if (p >= cell.pos && !s.literals.some(([a, b]) => a < p && p < b)) lines.push(p);
  }
  const indentOf = (p: number): number => /^[ \t]*/.exec(s.text.slice(p, cell.end))?.[0].length ?? 0;
  const code = lines.filter((p) => !/^[ \t]*(\r?\n|$)/.test(s.text.slice(p, cell.end)));
  const indent = Math.min(...code.map(indentOf));
  const dedent = code.map((p): Edit => ({ pos: p, end: p + Math.min(indent, indentOf(p)), text: "" }));
  const all = [...edits.filter((e) => e.pos >= cell.pos && e.end <= cell.end), ...dedent].sort((a, b) => b.pos - a.pos);
  let text = s.text.slice(cell.pos, cell.end);
  for (const e of all) text = text.slice(0, e.pos - cell.pos) + e.text + text.slice(e.end - cell.pos);
  return text.replace(/^(?:[ \t]*\r?\n)+/, "").trimEnd();
}

/**
 * Puts the imports (and helpers) into the first code cell, or into a cell of
 * their own before it when its export marker says the notebook had one there
 * (a cell of imports only leaves no marker).
 */
function withHead(cells: Cell[], head: string): Cell[] {
  if (head === "") return cells;
  const i = cells.findIndex((c) => c.kind === "code");
  const first = cells[i];
  if (!first) return [...cells, { kind: "code", source: head }];
  if (first.marker !== undefined && first.marker > i + 1) return [...cells.slice(0, i), { kind: "code", source: head }, ...cells.slice(i)];
  return cells.map((c, j) => (j === i ? { ...c, source: c.source === "" ? head : `${head}\n\n${c.source}` } : c));
}

/** nbformat 4.5, keys sorted and one-space indented as Jupyter writes it. */
/** The kernel an imported notebook asks for: pipelab's own, as kernel/kernel.json names it. */
function kernelspec(): { display_name: string; language: string; name: string } {
  const { display_name, language } = kernelJson();
  return { display_name, language, name: KERNEL_NAME };
}

function notebookJson(cells: readonly Cell[]): string {
  const lines = (source: string): string[] => (source === "" ? [] : source.split(/(?<=\n)/));
  const json = {
    cells: cells.map((c, i) => {
      const id = `cell-${String(i).padStart(2, "0")}`;
      return c.kind === "code"
        ? { cell_type: "code", execution_count: null, id, metadata: {}, outputs: [], source: lines(c.source) }
        : { cell_type: "markdown", id, metadata: {}, source: lines(c.source) };
    }),
    metadata: { kernelspec: kernelspec(), language_info: { file_extension: ".ts", mimetype: "text/typescript", name: "typescript" } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  return `${JSON.stringify(json, null, 1)}\n`;
}
