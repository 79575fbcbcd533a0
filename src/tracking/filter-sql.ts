/**
 * The SQL compiler of a filter's tree: one boolean expression over
 * `runs r JOIN experiments e ON e.id = r.experiment_id`. Only fixed fragments
 * and `?` are written; every key and value goes to `out`, in order.
 *
 * Two dialects, SQLite and PostgreSQL, which differ in four places: the
 * literals true and false, how a list bound as JSON is read, how a param's text
 * is read as a number (PostgreSQL does not promise to test the type before the
 * cast, so the cast sits in a CASE), and `~`, which is SQLite's LIKE (blind to
 * the case of ASCII letters): PostgreSQL's ILIKE.
 */
import type { FilterNode, FilterOperator, FilterScalar, RunColumn } from "./filter-tree";

/** The SQL a filter compiles to: SQLite's (the file store) or PostgreSQL's (the shared store). */
export type SqlDialect = "sqlite" | "postgres";

interface DialectSql {
  true: string;
  false: string;
  /** The values of a JSON array bound as `?`, as numbers or as text. */
  jsonValues(numbers: boolean): string;
  /** A param's text as a number, for a param of type number. */
  paramNumber: string;
  like: string;
  /** A test that a run has rows of a key. */
  exists(rows: string): string;
}

const DIALECTS: Readonly<Record<SqlDialect, DialectSql>> = {
  sqlite: {
    true: "1",
    false: "0",
    // A JSON integer beyond 2^53 would otherwise be exact and miss the double it was written from.
    jsonValues: (numbers) => `SELECT ${numbers ? "CAST(value AS REAL)" : "value"} FROM json_each(?)`,
    paramNumber: "CAST(p.value AS REAL)",
    like: "LIKE",
    exists: (rows) => `EXISTS (${rows})`,
  },
  postgres: {
    true: "TRUE",
    false: "FALSE",
    jsonValues: (numbers) => `SELECT ${numbers ? "CAST(value AS double precision)" : "value"} FROM jsonb_array_elements_text(CAST(? AS jsonb))`,
    paramNumber: "(CASE WHEN p.type = 'number' THEN CAST(p.value AS double precision) END)",
    like: "ILIKE",
    // Not a bare EXISTS: the planner turns each EXISTS of an and-chain into a semi-join and then plans the
    // joins of all of them, which takes seconds at 100 conditions and does not end at 1,000. As a value
    // tested IS TRUE, each is a subplan run per run: an index lookup.
    exists: (rows) => `(EXISTS (${rows}) IS TRUE)`,
  },
};

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

/** The SQL of `node` in `dialect`, pushing the values its `?` stand for onto `out`. */
export function toSql(node: FilterNode, out: unknown[], dialect: SqlDialect = "sqlite"): string {
  return new FilterSql(DIALECTS[dialect], out).of(node);
}

class FilterSql {
  constructor(
    private readonly d: DialectSql,
    private readonly out: unknown[],
  ) {}

  of(node: FilterNode): string {
    const out = this.out;
    switch (node.kind) {
      case "and":
      case "or": {
        if (node.operands.length === 0) return node.kind === "and" ? this.d.true : this.d.false;
        return chain(
          node.operands.map((operand) => this.of(operand)),
          node.kind === "and" ? " AND " : " OR ",
        );
      }
      case "not":
        return `NOT (${this.of(node.operand)})`;
      case "isNull": {
        const { field, negated } = node;
        if (field.scope === "run") return `${COLUMN_SQL[field.column]} IS ${negated ? "NOT " : ""}NULL`;
        out.push(field.key);
        return `${negated ? "" : "NOT "}${this.d.exists(KEYED_ROWS[field.scope])}`;
      }
      case "compare":
      case "in": {
        const { field } = node;
        if (field.scope === "run") return this.valueTest(COLUMN_SQL[field.column], node);
        out.push(field.key); // the key's `?` comes first in the text
        const test = field.scope === "params" ? this.paramTest(node) : this.valueTest(VALUE_SQL[field.scope], node);
        return this.d.exists(`${KEYED_ROWS[field.scope]} AND ${test}`);
      }
    }
  }


  /** `column IN` a list bound as one JSON array, so that a list of any length is one parameter and one level of SQL. */
  private memberOf(column: string, values: readonly number[] | readonly string[]): string {
    this.out.push(JSON.stringify(values));
    return `${column} IN (${this.d.jsonValues(typeof values[0] === "number")})`;
  }

  /** A test on a column holding one type. */
  private valueTest(column: string, node: ValueNode): string {
    if (node.kind === "in") {
      // checkValue lets only values of the column's type into the list.
      const { values } = node;
      return this.memberOf(column, values.every((v): v is number => typeof v === "number") ? values : values.map(String));
    }
    if (node.op === "~") {
      this.out.push(`%${String(node.value).replace(/[\\%_]/g, "\\$&")}%`);
      return `${column} ${this.d.like} ? ESCAPE '\\'`;
    }
    this.out.push(node.value);
    return `${column} ${node.op === "!=" ? "<>" : node.op} ?`;
  }

  /** A test on a param, whose text value is read according to its `type`. */
  private paramTest(node: ValueNode): string {
    if (node.kind === "in") {
      const numbers = node.values.filter((v): v is number => typeof v === "number");
      const strings = node.values.filter((v): v is string => typeof v === "string");
      const booleans = node.values.filter((v) => typeof v === "boolean").map((v) => (v ? "true" : "false"));
      const tests: string[] = [];
      if (numbers.length > 0) tests.push(`(p.type = 'number' AND ${this.memberOf(this.d.paramNumber, numbers)})`);
      if (strings.length > 0) tests.push(`(p.type = 'string' AND ${this.memberOf("p.value", strings)})`);
      if (booleans.length > 0) tests.push(`(p.type = 'boolean' AND ${this.memberOf("p.value", booleans)})`);
      return chain(tests, " OR ");
    }
    if (node.op === "~") return this.valueTest("p.value", node);
    // A run has at most one row per key, so this is "has the key, with another value".
    if (node.op === "!=") return `NOT ${this.typedParamTest("=", node.value)}`;
    return this.typedParamTest(node.op, node.value);
  }

  private typedParamTest(op: Exclude<FilterOperator, "!=" | "~">, value: FilterScalar): string {
    switch (typeof value) {
      case "number":
        this.out.push(value);
        return `(p.type = 'number' AND ${this.d.paramNumber} ${op} ?)`;
      case "string":
        this.out.push(value);
        return `(p.type = 'string' AND p.value ${op} ?)`;
      case "boolean":
        this.out.push(value ? "true" : "false");
        return `(p.type = 'boolean' AND p.value = ?)`;
    }
  }
}

type ValueNode = Extract<FilterNode, { kind: "compare" | "in" }>;

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
