/**
 * The parser of the expression form: recursive descent over the lexer's
 * tokens (or > and > not > condition), building the typed tree and checking
 * fields, operators, values and the limits as it goes.
 */
import { FilterError } from "./filter-error";
import { COLUMNS, OPERATOR_LIST, SCOPES, closest, comparison, fieldName, inList } from "./filter-fields";
import type { Fail } from "./filter-fields";
import { describe, isWord, readToken } from "./filter-lexer";
import type { Token } from "./filter-lexer";
import { MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, MAX_FILTER_TERMS, MAX_IN_VALUES } from "./filter-limits";
import type { FilterField, FilterNode, FilterValue } from "./filter-tree";

const KEYWORDS: ReadonlySet<string> = new Set(["and", "or", "not", "in", "is", "null", "true", "false"]);

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
    this.token = readToken(this.text, 0, this.fail);
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
    this.token = readToken(this.text, t.end, this.fail);
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
}
