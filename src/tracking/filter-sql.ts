/**
 * The SQL compiler of a filter's tree: one boolean expression over
 * `runs r JOIN experiments e ON e.id = r.experiment_id`. Only fixed fragments
 * and `?` are written; every key and value goes to `out`, in order.
 */
import type { FilterNode, FilterOperator, FilterScalar, RunColumn } from "./filter-tree";

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

/** The SQL of `node`, pushing the values its `?` stand for onto `out`. */
export function toSql(node: FilterNode, out: unknown[]): string {
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
