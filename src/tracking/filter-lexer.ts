/**
 * The lexer of the expression form: one token at a time, from a position, so
 * that the parser reads as far as it needs and no further (an error stops at
 * the first problem, not at the end of a long expression).
 */
import { OPERATOR_LIST } from "./filter-fields";
import type { Fail } from "./filter-fields";
import type { FilterOperator } from "./filter-tree";

/** A token of an expression; `pos` and `end` are 0-based columns, `text` is as written. */
export type Token = { pos: number; end: number; text: string } & (
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

function match(pattern: RegExp, text: string, pos: number): string | undefined {
  pattern.lastIndex = pos;
  return pattern.exec(text)?.[0];
}

/** Whether `token` is the keyword (keywords ignore case). */
export function isWord(token: Token, keyword: string): boolean {
  return token.type === "word" && token.text.toLowerCase() === keyword;
}

/** A token as an error message quotes it. */
export function describe(token: Token): string {
  if (token.type === "end") return "the end of the filter";
  return token.type === "string" ? token.text : `"${token.text}"`;
}

/** Reads the token of `src` that starts at or after `from`. */
export function readToken(src: string, from: number, fail: Fail): Token {
  let pos = from;
  while (pos < src.length && /\s/.test(src[pos] as string)) pos++;
  if (pos >= src.length) return { type: "end", pos, end: pos, text: "" };
  const c = src[pos] as string;
  const token = (end: number) => ({ pos, end, text: src.slice(pos, end) });

  if (c === "(" || c === ")" || c === ",") return { type: c, ...token(pos + 1) };
  if (c === '"' || c === "'") {
    const { value, end } = readString(src, pos, fail);
    return { type: "string", value, ...token(end) };
  }
  const word = match(WORD, src, pos);
  if (word !== undefined) {
    const dot = pos + word.length;
    if (src[dot] !== ".") return { type: "word", ...token(dot) };
    const quote = src[dot + 1];
    if (quote === '"' || quote === "'") {
      const { value, end } = readString(src, dot + 1, fail);
      return { type: "path", head: word, key: value, ...token(end) };
    }
    const key = match(KEY, src, dot + 1);
    if (key === undefined) fail(`expected a key after "${word}.", such as ${word}.accuracy or ${word}."hidden size"`, dot + 1);
    return { type: "path", head: word, key, ...token(dot + 1 + key.length) };
  }
  const number = match(NUMBER, src, pos);
  if (number !== undefined) {
    const end = pos + number.length;
    if (match(NUMBER_TAIL, src, end) !== undefined) {
      const junk = src.slice(pos).match(/^[\p{L}\p{N}_.+-]+/u)?.[0] ?? number;
      fail(`invalid number "${junk}"`, pos);
    }
    return { type: "number", value: Number(number), ...token(end) };
  }
  const op = match(OPERATOR, src, pos);
  if (op !== undefined) {
    const known = OPERATORS.find((o) => o === op);
    if (known === undefined) fail(`unknown operator "${op}"; use ${OPERATOR_LIST}`, pos);
    return { type: "op", op: known, ...token(pos + op.length) };
  }
  fail(`unexpected character ${JSON.stringify(c)}`, pos);
}

/** Reads a quoted string starting at the quote at `pos`. */
function readString(src: string, pos: number, fail: Fail): { value: string; end: number } {
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
  fail(`unterminated string: add the closing ${quote}`, pos);
}
