/**
 * Run filters: which runs to list, compare or chart. A filter is a small
 * expression or an object; both compile to one SQL condition over
 * `runs r JOIN experiments e ON e.id = r.experiment_id`, whose SQL text holds
 * only fixed fragments and `?`: every key and value is a bound parameter.
 *
 * ## The expression language
 *
 * ```text
 * metrics.accuracy > 0.9 and params.model = "mlp" and status in ("finished", "crashed")
 * (params.lr <= 1e-3 or params."hidden size" >= 64) and not tags.reviewed = "yes"
 * experiment = 'penguins' and started > "2026-11-01" and name ~ "baseline"
 * params.stratify = true and metrics.val_loss is not null
 * ```
 *
 * - Fields: `params.KEY`, `metrics.KEY`, `tags.KEY`, where KEY is made of
 *   letters, digits, `_`, `-`, `.` and `/`, or is quoted (`params."hidden size"`);
 *   and the run's `id`, `name`, `status`, `experiment`, `source`, `started`,
 *   `ended`, `backend`.
 * - Operators: `=`, `!=`, `<`, `<=`, `>`, `>=`, `~` (contains, ignoring ASCII
 *   case), `in (v1, v2, ...)`, `is null`, `is not null`.
 * - Values: numbers (`3`, `-0.5`, `.5`, `1e-3`), strings in double or single
 *   quotes (`\"`, `\'` and `\\` are escapes; any other backslash is kept, so
 *   `"C:\data"` is as written), `true`, `false`, `null`.
 * - `not` binds tighter than `and`, which binds tighter than `or`; parentheses
 *   group. Keywords and field names ignore case; keys and values do not.
 * - An empty filter matches every run.
 *
 * ## What a comparison means
 *
 * - Params keep their type. `params.lr = 0.01` matches the number 0.01, not
 *   the string "0.01" (that is `params.lr = "0.01"`), and `params.lr != 0.01`
 *   does match a run whose lr is the string "0.01". Numbers compare as
 *   numbers, strings as text, booleans only with `=`, `!=` and `in`. `~` reads
 *   the stored text whatever the type, which is how a JSON param (an array, an
 *   object) is reached: `params.hidden ~ "16"`.
 * - Metrics are each metric's final value (`metric_finals`), numbers only.
 * - Tags, `name`, `experiment`, `backend`, `started` and `ended` are text and
 *   take quoted values. `started` and `ended` are ISO 8601 UTC text compared as
 *   text: `started > "2026-11-01"` is "on 1 November 2026 (UTC) or later".
 * - `status` and `source` take one of their values, and have no order.
 * - A field a run lacks (a param, metric or tag it never logged, a run without
 *   a name) matches only `is null`. So `!=` matches the runs that have the field
 *   with another value, while `not params.k = v` also matches the runs without
 *   `k`. `= null` means `is null`, `!= null` means `is not null`.
 *
 * The object form says the same with `eq`, `ne`, `lt`, `lte`, `gt`, `gte`,
 * `in` and `contains`; its entries are joined with `and`.
 *
 * ## Limits
 *
 * Generous for real use, and there so that a runaway filter (generated, or
 * pasted by mistake) fails with a FilterError at the column where it goes
 * over, not with a stack overflow in the parser or SQLite refusing the query:
 *
 * - {@link MAX_FILTER_LENGTH}: 1,000,000 characters in an expression.
 * - {@link MAX_FILTER_DEPTH}: 64 levels of nesting, counting each `(` and
 *   each `not` (`not (a or not b)` is 3 deep).
 * - {@link MAX_FILTER_TERMS}: 1,000 conditions (comparisons, `in` lists and
 *   `is null` tests) in one filter, or entries in an object filter.
 * - {@link MAX_IN_VALUES}: 10,000 values in one `in` list. The list is bound
 *   as one JSON parameter, so its length costs SQLite nothing; more values
 *   than this can be split over several `in` lists joined with `or`.
 *
 * Any filter within all four compiles to SQL that SQLite accepts: long `and`
 * and `or` chains are written as nested groups of at most 8, so that even the
 * deepest filter within the limits takes about half of the 1,000 levels
 * SQLite allows an expression.
 */
import { TrackingError } from "../errors";
import type { RunStatus, SourceKind } from "./types";

/** The most characters an expression may have. */
export const MAX_FILTER_LENGTH = 1_000_000;
/** The most nested levels in an expression, counting each `(` and each `not`. */
export const MAX_FILTER_DEPTH = 64;
/** The most conditions (comparisons, `in` lists, `is null` tests) in one filter. */
export const MAX_FILTER_TERMS = 1_000;
/** The most values in one `in` list. */
export const MAX_IN_VALUES = 10_000;

/**
 * A filter that cannot be understood. The message quotes the problem and, for
 * an expression, gives the 1-based column and shows a caret under it.
 *
 * @example
 * ```ts
 * try { compileFilter("metrics.accuracy > and status = 'finished'"); }
 * catch (e) { if (e instanceof FilterError) console.log(e.position, e.message); }
 * // 19 invalid filter at column 20: expected a value after ">" ...
 * ```
 */
export class FilterError extends TrackingError {
  /** 0-based column in the expression, -1 for an object filter. */
  readonly position: number;

  constructor(problem: string, position = -1, expression?: string) {
    super(
      expression === undefined || position < 0
        ? `invalid filter: ${problem}`
        : `invalid filter at column ${position + 1}: ${problem}${caretLines(expression, position)}`,
    );
    this.position = position;
  }
}

/** Expressions up to this long are shown whole in an error; longer ones around the column only. */
const SHOWN_WHOLE = 120;
/** How many characters an error shows on each side of the column of a long expression. */
const SHOWN_AROUND = 50;

/** The expression (or, when long, the part around `position`) and a caret under `position`. */
function caretLines(expression: string, position: number): string {
  const text = expression.replace(/[\t\n\r]/g, " ");
  const long = text.length > SHOWN_WHOLE;
  const start = long ? Math.max(0, position - SHOWN_AROUND) : 0;
  const end = long ? Math.min(text.length, position + SHOWN_AROUND) : text.length;
  const before = start > 0 ? "..." : "";
  const after = end < text.length ? "..." : "";
  return `\n  ${before}${text.slice(start, end)}${after}\n  ${" ".repeat(before.length + position - start)}^`;
}

/** A value in a filter. `null` is "the run lacks this field". */
export type FilterValue = number | string | boolean | null;

/** A value (shorthand for `eq`) or one or more comparisons, all of which must hold. */
export type Comparison =
  | FilterValue
  | {
      eq?: FilterValue;
      ne?: FilterValue;
      lt?: number | string;
      lte?: number | string;
      gt?: number | string;
      gte?: number | string;
      in?: FilterValue[];
      contains?: string;
    };

/**
 * A filter as an object; every entry must hold.
 *
 * @example
 * ```ts
 * const filter: FilterObject = { metrics: { accuracy: { gt: 0.9 } }, params: { model: "mlp" }, status: { in: ["finished"] } };
 * ```
 */
export interface FilterObject {
  /** Run parameters by key. */
  params?: Record<string, Comparison>;
  /** Final metric values by key. */
  metrics?: Record<string, Comparison>;
  tags?: Record<string, Comparison>;
  /** running | finished | failed | killed | crashed */
  status?: Comparison;
  experiment?: Comparison;
  name?: Comparison;
  /** source_kind: notebook | script | interactive */
  source?: Comparison;
  /** Started strictly after this time; an ISO string compares as text with `runs.started_at`. */
  startedAfter?: Date | string;
  /** Started strictly before this time. */
  startedBefore?: Date | string;
}

/** A filter: an expression (see the module comment) or an object. */
export type RunFilter = string | FilterObject;

/** A column of the run (or of its experiment) that a filter can name. */
export type RunColumn = "id" | "name" | "status" | "experiment" | "source" | "started" | "ended" | "backend";

/** What a comparison looks at: a keyed value of the run, or one of its columns. */
export type FilterField = { scope: "params" | "metrics" | "tags"; key: string } | { scope: "run"; column: RunColumn };

export type FilterOperator = "=" | "!=" | "<" | "<=" | ">" | ">=" | "~";

/** A value a comparison can hold (null becomes an `isNull` node). */
export type FilterScalar = Exclude<FilterValue, null>;

/**
 * A parsed filter. `position` is the 0-based column of the field in the
 * expression, -1 for object filters. An `and` without operands matches every run.
 */
export type FilterNode =
  | { kind: "and"; operands: FilterNode[] }
  | { kind: "or"; operands: FilterNode[] }
  | { kind: "not"; operand: FilterNode }
  | { kind: "compare"; field: FilterField; op: FilterOperator; value: FilterScalar; position: number }
  | { kind: "in"; field: FilterField; values: FilterScalar[]; position: number }
  | { kind: "isNull"; field: FilterField; negated: boolean; position: number };

/**
 * Parses an expression into its syntax tree, checking fields, operators and
 * value types.
 *
 * @throws FilterError with the position and a caret line.
 * @example
 * ```ts
 * parseFilter('status = "failed" or metrics.loss < 0.3');
 * // { kind: "or", operands: [{ kind: "compare", field: { scope: "run", column: "status" }, op: "=", value: "failed", ... }, ...] }
 * ```
 */
export function parseFilter(text: string): FilterNode {
  return new Parser(text).parse();
}

/**
 * Compiles a filter (an expression or an object) into a SQL boolean expression
 * over `runs r JOIN experiments e ON e.id = r.experiment_id`, with `?`
 * placeholders, and the values to bind to them, in order.
 *
 * @throws FilterError when the filter is invalid.
 * @example
 * ```ts
 * const { where, params } = compileFilter("metrics.accuracy > 0.9 and experiment = 'penguins'");
 * db.prepare(`SELECT r.id FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE ${where}`).all(...params);
 * ```
 */
export function compileFilter(filter: RunFilter): { where: string; params: unknown[] } {
  const node = typeof filter === "string" ? parseFilter(filter) : fromObject(filter);
  const params: unknown[] = [];
  return { where: toSql(node, params), params };
}

// ---------------------------------------------------------------------------
// Fields and value checks, shared by the expression and object forms.

type Fail = (problem: string, position: number) => never;

/** Where the parts of a comparison are in the expression (-1 each for objects). */
interface Positions {
  field: number;
  op: number;
  value: number;
}

const SCOPES = ["params", "metrics", "tags"] as const;
const COLUMNS: readonly RunColumn[] = ["id", "name", "status", "experiment", "source", "started", "ended", "backend"];
const STATUSES: readonly RunStatus[] = ["running", "finished", "failed", "killed", "crashed"];
const SOURCES: readonly SourceKind[] = ["notebook", "script", "interactive"];
const ORDERING: ReadonlySet<FilterOperator> = new Set(["<", "<=", ">", ">="]);
const OPERATOR_LIST = "=, !=, <, <=, >, >=, ~, in (...), is null or is not null";
/** The prefixes of the ISO 8601 UTC text in `started_at`/`ended_at`; offsets would compare wrongly as text. */
const ISO_UTC = /^\d{4}(-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?Z?)?)?)?$/;
const BARE_KEY = /^[\p{L}\p{N}_\-./]+$/u;

function fieldName(field: FilterField): string {
  if (field.scope === "run") return field.column;
  return `${field.scope}.${BARE_KEY.test(field.key) ? field.key : JSON.stringify(field.key)}`;
}

/** Builds a comparison node, turning `= null` into `is null`, after checking the value fits the field. */
function comparison(field: FilterField, op: FilterOperator, value: FilterValue, at: Positions, fail: Fail): FilterNode {
  if (value === null) {
    if (op === "=" || op === "!=") return { kind: "isNull", field, negated: op === "!=", position: at.field };
    fail(`null can only follow = or != (or write ${fieldName(field)} is null / is not null)`, at.value);
  }
  checkValue(field, op, value, at, fail);
  return { kind: "compare", field, op, value, position: at.field };
}

function inList(field: FilterField, items: ReadonlyArray<{ value: FilterValue; position: number }>, at: Positions, fail: Fail): FilterNode {
  if (items.length === 0) fail(`empty list after in for ${fieldName(field)}: give at least one value`, at.value);
  const values: FilterScalar[] = [];
  for (const { value, position } of items) {
    if (value === null) fail(`null cannot be in an in list; use or ${fieldName(field)} is null`, position);
    checkValue(field, "=", value, { ...at, value: position }, fail);
    values.push(value);
  }
  return { kind: "in", field, values, position: at.field };
}

function checkValue(field: FilterField, op: FilterOperator, value: FilterScalar, at: Positions, fail: Fail): void {
  const shown = JSON.stringify(value);
  const isNumberField = field.scope === "metrics" || (field.scope === "run" && field.column === "id");
  if (isNumberField) {
    const what = field.scope === "metrics" ? `metric ${JSON.stringify(field.key)}` : "id";
    if (op === "~") fail(`${what} is a number: ~ (contains) applies to text; use =, !=, <, <=, >, >= or in`, at.op);
    if (typeof value !== "number") fail(`${what} is a number: compare it with a number, not ${shown}`, at.value);
    return;
  }
  if (op === "~") {
    if (typeof value !== "string") fail(`~ (contains) takes a quoted string, not ${shown}`, at.value);
    return;
  }
  if (field.scope === "params") {
    if (typeof value === "boolean" && ORDERING.has(op)) fail(`booleans have no order: compare ${fieldName(field)} with = or !=`, at.op);
    return;
  }
  // Everything else is text.
  const what = field.scope === "run" ? field.column : `tag ${JSON.stringify(field.key)}`;
  if (typeof value !== "string") fail(`${what} is text: quote the value, as in ${fieldName(field)} ${op} ${JSON.stringify(String(value))}`, at.value);
  if (field.scope !== "run") return;
  const allowed: readonly string[] | undefined = field.column === "status" ? STATUSES : field.column === "source" ? SOURCES : undefined;
  if (allowed) {
    if (ORDERING.has(op)) fail(`${field.column} has no order: use =, !=, in or ~`, at.op);
    if (!allowed.includes(value)) fail(`unknown ${field.column} ${shown}; use ${allowed.join(", ")}`, at.value);
  }
  if ((field.column === "started" || field.column === "ended") && !ISO_UTC.test(value)) {
    fail(`${field.column} is an ISO 8601 time in UTC such as "2026-11-01" or "2026-11-01T09:30:00Z", not ${shown}`, at.value);
  }
}

/** The nearest candidate within two edits, if any: the suggestion for a misspelt name. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.min(3, word.length);
  for (const candidate of candidates) {
    const d = editDistance(word.toLowerCase(), candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

// ---------------------------------------------------------------------------
// The expression form: a lexer producing one token at a time, and a
// recursive-descent parser (or > and > not > comparison).

type Token = { pos: number; end: number; text: string } & (
  | { type: "word" | "(" | ")" | "," | "end" }
  | { type: "path"; head: string; key: string }
  | { type: "number"; value: number }
  | { type: "string"; value: string }
  | { type: "op"; op: FilterOperator }
);

const WORD = /[\p{L}_][\p{L}\p{N}_]*/uy;
const KEY = /[\p{L}\p{N}_\-./]+/uy;
const NUMBER = /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const NUMBER_TAIL = /[\p{L}\p{N}_.]/uy;
const OPERATOR = /[=!<>~]+/y;
const OPERATORS: readonly FilterOperator[] = ["=", "!=", "<", "<=", ">", ">=", "~"];
const KEYWORDS: ReadonlySet<string> = new Set(["and", "or", "not", "in", "is", "null", "true", "false"]);

function match(pattern: RegExp, text: string, pos: number): string | undefined {
  pattern.lastIndex = pos;
  return pattern.exec(text)?.[0];
}

function isWord(token: Token, keyword: string): boolean {
  return token.type === "word" && token.text.toLowerCase() === keyword;
}

function describe(token: Token): string {
  if (token.type === "end") return "the end of the filter";
  return token.type === "string" ? token.text : `"${token.text}"`;
}

class Parser {
  private token: Token;
  /** How many `(` and `not` enclose the current token. */
  private depth = 0;
  /** How many conditions have been read so far. */
  private terms = 0;

  constructor(private readonly text: string) {
    if (text.length > MAX_FILTER_LENGTH) {
      this.fail(`filter too long: ${text.length} characters, at most ${MAX_FILTER_LENGTH}; select the runs by something they share (a tag, an experiment)`, MAX_FILTER_LENGTH);
    }
    this.token = this.lex(0);
  }

  private readonly fail: Fail = (problem, position) => {
    throw new FilterError(problem, position, this.text);
  };

  parse(): FilterNode {
    if (this.peek().type === "end") return { kind: "and", operands: [] };
    const node = this.or();
    const t = this.peek();
    if (t.type === ")") this.fail(`unexpected ")" without a matching "("`, t.pos);
    if (t.type !== "end") this.fail(`unexpected ${describe(t)} after a complete condition; join conditions with and / or`, t.pos);
    return node;
  }

  /** The current token. A method, so that TypeScript does not keep a narrowing of it across `next()` calls. */
  private peek(): Token {
    return this.token;
  }

  /** Consumes the current token and returns it. */
  private next(): Token {
    const t = this.peek();
    this.token = this.lex(t.end);
    return t;
  }

  private or(): FilterNode {
    const operands = [this.and()];
    while (isWord(this.peek(), "or")) {
      this.next();
      operands.push(this.and());
    }
    return operands.length === 1 ? (operands[0] as FilterNode) : { kind: "or", operands };
  }

  private and(): FilterNode {
    const operands = [this.not()];
    while (isWord(this.peek(), "and")) {
      this.next();
      operands.push(this.not());
    }
    return operands.length === 1 ? (operands[0] as FilterNode) : { kind: "and", operands };
  }

  private not(): FilterNode {
    if (!isWord(this.peek(), "not")) return this.primary();
    this.enter(this.next());
    const operand = this.not();
    this.depth--;
    return { kind: "not", operand };
  }

  private primary(): FilterNode {
    if (this.peek().type !== "(") return this.condition();
    const open = this.next();
    this.enter(open);
    const node = this.or();
    const t = this.peek();
    if (t.type === "end") this.fail(`"(" is never closed: add ")"`, open.pos);
    if (t.type !== ")") this.fail(`unexpected ${describe(t)}: join conditions with and / or, or close the "(" of column ${open.pos + 1}`, t.pos);
    this.next();
    this.depth--;
    return node;
  }

  /** Goes one level deeper, at the `(` or `not` just read; the parser recurses once per level, so this bounds its stack. */
  private enter(token: Token): void {
    if (++this.depth > MAX_FILTER_DEPTH) {
      this.fail(
        `nested too deeply: more than ${MAX_FILTER_DEPTH} levels of "(" and not; remove parentheses that group nothing and double nots (not not a is a), or split the filter`,
        token.pos,
      );
    }
  }

  private condition(): FilterNode {
    const fieldPos = this.peek().pos;
    if (++this.terms > MAX_FILTER_TERMS) {
      this.fail(`too many conditions: more than ${MAX_FILTER_TERMS}; to match one of many values, use in, as in params.seed in (1, 2, 3)`, fieldPos);
    }
    const field = this.field();
    const t = this.peek();
    if (t.type === "op") {
      this.next();
      const valuePos = this.peek().pos;
      const value = this.value(t.op);
      return comparison(field, t.op, value, { field: fieldPos, op: t.pos, value: valuePos }, this.fail);
    }
    if (isWord(t, "in")) return this.inList(field, fieldPos);
    if (isWord(t, "is")) {
      this.next();
      const negated = isWord(this.peek(), "not");
      if (negated) this.next();
      if (!isWord(this.peek(), "null")) this.fail(`expected ${negated ? "null after is not" : "null or not null after is"}`, this.peek().pos);
      this.next();
      return { kind: "isNull", field, negated, position: fieldPos };
    }
    if (t.type === "word") {
      const hint = isWord(t, "not") ? ` (to negate, write not before the field: not ${fieldName(field)} ...)` : "";
      this.fail(`unknown operator "${t.text}"; use ${OPERATOR_LIST}${hint}`, t.pos);
    }
    this.fail(`expected an operator after ${fieldName(field)}, got ${describe(t)}; use ${OPERATOR_LIST}`, t.pos);
  }

  private field(): FilterField {
    const t = this.peek();
    if (t.type === "path") {
      const scope = SCOPES.find((s) => s === t.head.toLowerCase());
      if (scope === undefined) {
        const guess = closest(t.head, SCOPES);
        const keyText = t.text.slice(t.head.length + 1);
        this.fail(
          guess
            ? `unknown field "${t.text}"; did you mean "${guess}.${keyText}"?`
            : `unknown field "${t.text}"; fields are params.KEY, metrics.KEY, tags.KEY, ${COLUMNS.join(", ")}`,
          t.pos,
        );
      }
      if (t.key === "") this.fail(`empty key after "${t.head}."`, t.pos + t.head.length + 1);
      this.next();
      return { scope, key: t.key };
    }
    const word = t.text.toLowerCase();
    if (t.type === "word" && !KEYWORDS.has(word)) {
      const column = COLUMNS.find((c) => c === word);
      if (column === undefined) {
        const guess = closest(word, COLUMNS);
        this.fail(
          guess
            ? `unknown field "${t.text}"; did you mean "${guess}"?`
            : `unknown field "${t.text}"; did you mean metrics.${t.text}, params.${t.text} or tags.${t.text}?`,
          t.pos,
        );
      }
      this.next();
      return { scope: "run", column };
    }
    this.fail(`expected a field such as metrics.accuracy or status, got ${describe(t)}`, t.pos);
  }

  private value(after: string): FilterValue {
    const t = this.peek();
    if (t.type === "number" || t.type === "string") {
      this.next();
      return t.value;
    }
    if (t.type === "word") {
      const word = t.text.toLowerCase();
      if (word === "true" || word === "false" || word === "null") {
        this.next();
        return word === "null" ? null : word === "true";
      }
      if (!KEYWORDS.has(word)) this.fail(`expected a value after "${after}", got ${t.text}; quote text: "${t.text}"`, t.pos);
    }
    this.fail(`expected a value after "${after}"`, t.pos);
  }

  private inList(field: FilterField, fieldPos: number): FilterNode {
    const inPos = this.next().pos;
    if (this.peek().type !== "(") this.fail(`expected "(" after in, as in status in ("finished", "failed")`, this.peek().pos);
    const open = this.next();
    if (this.peek().type === ")") this.fail(`empty list after in: give at least one value`, open.pos);
    const items: { value: FilterValue; position: number }[] = [];
    for (;;) {
      const position = this.peek().pos;
      if (items.length === MAX_IN_VALUES) {
        this.fail(`too many values in the list: more than ${MAX_IN_VALUES}; split it into several in lists joined with or`, position);
      }
      items.push({ value: this.value(items.length === 0 ? "(" : ","), position });
      const t = this.next();
      if (t.type === ")") break;
      if (t.type === "end") this.fail(`"(" is never closed: add ")"`, open.pos);
      if (t.type !== ",") this.fail(`expected "," or ")" in the list, got ${describe(t)}`, t.pos);
    }
    return inList(field, items, { field: fieldPos, op: inPos, value: open.pos }, this.fail);
  }

  /** Reads the token that starts at or after `from`. */
  private lex(from: number): Token {
    const src = this.text;
    let pos = from;
    while (pos < src.length && /\s/.test(src[pos] as string)) pos++;
    if (pos >= src.length) return { type: "end", pos, end: pos, text: "" };
    const c = src[pos] as string;
    const token = (end: number) => ({ pos, end, text: src.slice(pos, end) });

    if (c === "(" || c === ")" || c === ",") return { type: c, ...token(pos + 1) };
    if (c === '"' || c === "'") {
      const { value, end } = this.string(pos);
      return { type: "string", value, ...token(end) };
    }
    const word = match(WORD, src, pos);
    if (word !== undefined) {
      const dot = pos + word.length;
      if (src[dot] !== ".") return { type: "word", ...token(dot) };
      const quote = src[dot + 1];
      if (quote === '"' || quote === "'") {
        const { value, end } = this.string(dot + 1);
        return { type: "path", head: word, key: value, ...token(end) };
      }
      const key = match(KEY, src, dot + 1);
      if (key === undefined) this.fail(`expected a key after "${word}.", such as ${word}.accuracy or ${word}."hidden size"`, dot + 1);
      return { type: "path", head: word, key, ...token(dot + 1 + key.length) };
    }
    const number = match(NUMBER, src, pos);
    if (number !== undefined) {
      const end = pos + number.length;
      if (match(NUMBER_TAIL, src, end) !== undefined) {
        const junk = src.slice(pos).match(/^[\p{L}\p{N}_.+-]+/u)?.[0] ?? number;
        this.fail(`invalid number "${junk}"`, pos);
      }
      return { type: "number", value: Number(number), ...token(end) };
    }
    const op = match(OPERATOR, src, pos);
    if (op !== undefined) {
      const known = OPERATORS.find((o) => o === op);
      if (known === undefined) this.fail(`unknown operator "${op}"; use ${OPERATOR_LIST}`, pos);
      return { type: "op", op: known, ...token(pos + op.length) };
    }
    this.fail(`unexpected character ${JSON.stringify(c)}`, pos);
  }

  /** Reads a quoted string starting at the quote at `pos`. */
  private string(pos: number): { value: string; end: number } {
    const src = this.text;
    const quote = src[pos];
    let value = "";
    for (let i = pos + 1; i < src.length; i++) {
      const c = src[i] as string;
      if (c === quote) return { value, end: i + 1 };
      const escaped = src[i + 1];
      if (c === "\\" && (escaped === quote || escaped === "\\")) {
        value += escaped;
        i++;
      } else {
        value += c;
      }
    }
    this.fail(`unterminated string: add the closing ${quote}`, pos);
  }
}

// ---------------------------------------------------------------------------
// The object form, turned into the same tree.

const NO_POSITION: Positions = { field: -1, op: -1, value: -1 };
const OBJECT_KEYS = ["params", "metrics", "tags", "status", "experiment", "name", "source", "startedAfter", "startedBefore"];
const OBJECT_OPERATORS: ReadonlyMap<string, FilterOperator> = new Map([
  ["eq", "="],
  ["ne", "!="],
  ["lt", "<"],
  ["lte", "<="],
  ["gt", ">"],
  ["gte", ">="],
  ["contains", "~"],
]);

const objectFail: Fail = (problem) => {
  throw new FilterError(problem);
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function shownValue(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value instanceof Date) return "a Date";
  if (typeof value === "object" && value !== null) return "an object";
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

function fromObject(filter: FilterObject): FilterNode {
  if (!isRecord(filter)) objectFail(`a filter is an expression or an object such as { metrics: { accuracy: { gt: 0.9 } } }, not ${shownValue(filter)}`, -1);
  const operands: FilterNode[] = [];
  for (const [name, spec] of Object.entries(filter as Record<string, unknown>)) {
    if (spec === undefined) continue;
    switch (name) {
      case "params":
      case "metrics":
      case "tags":
        if (!isRecord(spec)) objectFail(`${name} must be an object of key: comparison, not ${shownValue(spec)}`, -1);
        for (const [key, comparison] of Object.entries(spec)) {
          if (key === "") objectFail(`empty key in ${name}`, -1);
          if (comparison !== undefined) operands.push(...fromComparison({ scope: name, key }, comparison));
        }
        break;
      case "status":
      case "experiment":
      case "name":
      case "source":
        operands.push(...fromComparison({ scope: "run", column: name }, spec));
        break;
      case "startedAfter":
      case "startedBefore": {
        const time = spec instanceof Date ? (Number.isNaN(spec.getTime()) ? undefined : spec.toISOString()) : spec;
        if (typeof time !== "string") objectFail(`${name} must be a valid Date or an ISO 8601 string, not ${shownValue(spec)}`, -1);
        operands.push(comparison({ scope: "run", column: "started" }, name === "startedAfter" ? ">" : "<", time, NO_POSITION, objectFail));
        break;
      }
      default: {
        const guess = closest(name, OBJECT_KEYS);
        objectFail(`unknown filter key "${name}"${guess ? `; did you mean "${guess}"?` : ""}; use ${OBJECT_KEYS.join(", ")}`, -1);
      }
    }
  }
  if (operands.length > MAX_FILTER_TERMS) {
    objectFail(`too many conditions: ${operands.length}, at most ${MAX_FILTER_TERMS}; to match one of many values, use in, as in { params: { seed: { in: [1, 2, 3] } } }`, -1);
  }
  return { kind: "and", operands };
}

function fromComparison(field: FilterField, spec: unknown): FilterNode[] {
  const name = fieldName(field);
  if (!isRecord(spec)) {
    if (Array.isArray(spec)) objectFail(`${name}: to match any of several values, write { in: [...] }`, -1);
    return [comparison(field, "=", filterValue(name, spec), NO_POSITION, objectFail)];
  }
  const nodes: FilterNode[] = [];
  for (const [key, value] of Object.entries(spec)) {
    if (value === undefined) continue;
    if (key === "in") {
      if (!Array.isArray(value)) objectFail(`in for ${name} must be an array, not ${shownValue(value)}`, -1);
      if (value.length > MAX_IN_VALUES) {
        objectFail(
          `in for ${name} has ${value.length} values, at most ${MAX_IN_VALUES}; select the runs by something they share (a tag, an experiment), or write an expression with several in lists joined with or`,
          -1,
        );
      }
      const items = value.map((v: unknown) => ({ value: filterValue(name, v), position: -1 }));
      nodes.push(inList(field, items, NO_POSITION, objectFail));
      continue;
    }
    const op = OBJECT_OPERATORS.get(key);
    if (op === undefined) objectFail(`unknown comparison "${key}" for ${name}; use eq, ne, lt, lte, gt, gte, in, contains`, -1);
    nodes.push(comparison(field, op, filterValue(name, value), NO_POSITION, objectFail));
  }
  if (nodes.length === 0) objectFail(`empty comparison for ${name}; use eq, ne, lt, lte, gt, gte, in, contains`, -1);
  return nodes;
}

/** Checks at run time what the types promise, for filters that come from JSON or JavaScript. */
function filterValue(name: string, value: unknown): FilterValue {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  objectFail(`invalid value for ${name}: ${shownValue(value)} (use a finite number, a string, true, false or null)`, -1);
}

// ---------------------------------------------------------------------------
// SQL. Only fixed fragments and `?` are written; keys and values go to `out`.

const COLUMN_SQL: Readonly<Record<RunColumn, string>> = {
  id: "r.id",
  name: "r.name",
  status: "r.status",
  experiment: "e.name",
  source: "r.source_kind",
  started: "r.started_at",
  ended: "r.ended_at",
  backend: "r.tf_backend",
};

/** The rows of a run with a given key; `?` is the key. */
const KEYED_ROWS = {
  params: "SELECT 1 FROM params p WHERE p.run_id = r.id AND p.key = ?",
  metrics: "SELECT 1 FROM metric_finals m WHERE m.run_id = r.id AND m.key = ?",
  tags: "SELECT 1 FROM tags t WHERE t.run_id = r.id AND t.key = ?",
} as const;

const VALUE_SQL = { metrics: "m.value", tags: "t.value" } as const;

function toSql(node: FilterNode, out: unknown[]): string {
  switch (node.kind) {
    case "and":
    case "or": {
      if (node.operands.length === 0) return node.kind === "and" ? "1" : "0";
      return chain(
        node.operands.map((operand) => toSql(operand, out)),
        node.kind === "and" ? " AND " : " OR ",
      );
    }
    case "not":
      return `NOT (${toSql(node.operand, out)})`;
    case "isNull": {
      const { field, negated } = node;
      if (field.scope === "run") return `${COLUMN_SQL[field.column]} IS ${negated ? "NOT " : ""}NULL`;
      out.push(field.key);
      return `${negated ? "" : "NOT "}EXISTS (${KEYED_ROWS[field.scope]})`;
    }
    case "compare":
    case "in": {
      const { field } = node;
      if (field.scope === "run") return valueTest(COLUMN_SQL[field.column], node, out);
      out.push(field.key); // the key's `?` comes first in the text
      const test = field.scope === "params" ? paramTest(node, out) : valueTest(VALUE_SQL[field.scope], node, out);
      return `EXISTS (${KEYED_ROWS[field.scope]} AND ${test})`;
    }
  }
}

/** The most operands written as one flat chain (`a OR b OR c`). */
const FLAT_CHAIN = 8;

/**
 * Operands joined by `op`. SQLite reads `a OR b OR c` as `(a OR b) OR c`, one
 * level of its expression tree per operand, and refuses trees deeper than
 * 1,000; so a long chain is written as up to FLAT_CHAIN groups of equal size,
 * each grouped the same way, and 1,000 operands take 22 levels, not 999.
 */
function chain(parts: readonly string[], op: " AND " | " OR "): string {
  if (parts.length === 1) return parts[0] as string;
  if (parts.length <= FLAT_CHAIN) return `(${parts.join(op)})`;
  const size = Math.ceil(parts.length / FLAT_CHAIN);
  const groups: string[] = [];
  for (let i = 0; i < parts.length; i += size) groups.push(chain(parts.slice(i, i + size), op));
  return `(${groups.join(op)})`;
}

/**
 * `column IN` a list bound as one JSON array, so that a list of any length
 * is one parameter and one level of SQL. Numbers are read back as REAL: a
 * JSON integer beyond 2^53 would otherwise be exact and miss the double it
 * was written from.
 */
function memberOf(column: string, values: readonly number[] | readonly string[], out: unknown[]): string {
  out.push(JSON.stringify(values));
  return `${column} IN (SELECT ${typeof values[0] === "number" ? "CAST(value AS REAL)" : "value"} FROM json_each(?))`;
}

type ValueNode = Extract<FilterNode, { kind: "compare" | "in" }>;

/** A test on a column holding one type. */
function valueTest(column: string, node: ValueNode, out: unknown[]): string {
  if (node.kind === "in") {
    // checkValue lets only values of the column's type into the list.
    const { values } = node;
    return memberOf(column, values.every((v): v is number => typeof v === "number") ? values : values.map(String), out);
  }
  if (node.op === "~") {
    out.push(`%${String(node.value).replace(/[\\%_]/g, "\\$&")}%`);
    return `${column} LIKE ? ESCAPE '\\'`;
  }
  out.push(node.value);
  return `${column} ${node.op === "!=" ? "<>" : node.op} ?`;
}

/** A test on a param, whose text value is read according to its `type`. */
function paramTest(node: ValueNode, out: unknown[]): string {
  if (node.kind === "in") {
    const numbers = node.values.filter((v): v is number => typeof v === "number");
    const strings = node.values.filter((v): v is string => typeof v === "string");
    const booleans = node.values.filter((v) => typeof v === "boolean").map((v) => (v ? "true" : "false"));
    const tests: string[] = [];
    if (numbers.length > 0) tests.push(`(p.type = 'number' AND ${memberOf("CAST(p.value AS REAL)", numbers, out)})`);
    if (strings.length > 0) tests.push(`(p.type = 'string' AND ${memberOf("p.value", strings, out)})`);
    if (booleans.length > 0) tests.push(`(p.type = 'boolean' AND ${memberOf("p.value", booleans, out)})`);
    return chain(tests, " OR ");
  }
  if (node.op === "~") return valueTest("p.value", node, out);
  // A run has at most one row per key, so this is "has the key, with another value".
  if (node.op === "!=") return `NOT ${typedParamTest("=", node.value, out)}`;
  return typedParamTest(node.op, node.value, out);
}

function typedParamTest(op: Exclude<FilterOperator, "!=" | "~">, value: FilterScalar, out: unknown[]): string {
  switch (typeof value) {
    case "number":
      out.push(value);
      return `(p.type = 'number' AND CAST(p.value AS REAL) ${op} ?)`;
    case "string":
      out.push(value);
      return `(p.type = 'string' AND p.value ${op} ?)`;
    case "boolean":
      out.push(value ? "true" : "false");
      return `(p.type = 'boolean' AND p.value = ?)`;
  }
}
