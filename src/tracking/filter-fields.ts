/**
 * Fields and value checks, shared by the expression and object forms of a
 * filter: what a field is called, which values and operators fit it, and the
 * nodes of the tree they make.
 */
import type { RunStatus, SourceKind } from "./types";
import type { FilterField, FilterNode, FilterOperator, FilterScalar, FilterValue, RunColumn } from "./filter-tree";

/** Throws a FilterError for `problem` at `position` (the parser's, with a caret; the object form's, without). */
export type Fail = (problem: string, position: number) => never;

/** Where the parts of a comparison are in the expression (-1 each for objects). */
export interface Positions {
  field: number;
  op: number;
  value: number;
}

export const SCOPES = ["params", "metrics", "tags"] as const;
export const COLUMNS: readonly RunColumn[] = ["id", "name", "status", "experiment", "source", "started", "ended", "backend"];
const STATUSES: readonly RunStatus[] = ["running", "finished", "failed", "killed", "crashed"];
const SOURCES: readonly SourceKind[] = ["notebook", "script", "interactive"];
const ORDERING: ReadonlySet<FilterOperator> = new Set(["<", "<=", ">", ">="]);
export const OPERATOR_LIST = "=, !=, <, <=, >, >=, ~, in (...), is null or is not null";
/** The prefixes of the ISO 8601 UTC text in `started_at`/`ended_at`; offsets would compare wrongly as text. */
const ISO_UTC = /^\d{4}(-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?Z?)?)?)?$/;
const BARE_KEY = /^[\p{L}\p{N}_\-./]+$/u;

/** A field as the expression language writes it (`params."hidden size"`, `status`). */
export function fieldName(field: FilterField): string {
  if (field.scope === "run") return field.column;
  return `${field.scope}.${BARE_KEY.test(field.key) ? field.key : JSON.stringify(field.key)}`;
}

/** Builds a comparison node, turning `= null` into `is null`, after checking the value fits the field. */
export function comparison(field: FilterField, op: FilterOperator, value: FilterValue, at: Positions, fail: Fail): FilterNode {
  if (value === null) {
    if (op === "=" || op === "!=") return { kind: "isNull", field, negated: op === "!=", position: at.field };
    fail(`null can only follow = or != (or write ${fieldName(field)} is null / is not null)`, at.value);
  }
  checkValue(field, op, value, at, fail);
  return { kind: "compare", field, op, value, position: at.field };
}

export function inList(field: FilterField, items: ReadonlyArray<{ value: FilterValue; position: number }>, at: Positions, fail: Fail): FilterNode {
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
export function closest(word: string, candidates: readonly string[]): string | undefined {
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
