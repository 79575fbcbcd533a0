/**
 * A table schema as declared, and as compiled against a table: the
 * declaration checked once (unknown keys, bounds of the wrong kind), the
 * table's shape checked against it (missing columns, dtypes that cannot hold
 * the declared type), and each rule turned into what the scan compares with
 * (bounds in the column's own units, allowed values as a set).
 */
import type { ColumnarTable, Dtype } from "../columnar";
import { DataError } from "../../errors";

/** The types a schema declares: "string" accepts string and category columns. */
export type SchemaType = "number" | "integer" | "string" | "boolean" | "timestamp";

/**
 * What a column must hold. Every rule is optional; a null (NaN, a missing
 * string) breaks only `nullable: false`, never the other rules.
 */
export interface ColumnRule {
  /** The type: a column whose dtype cannot hold it is a structural error, not a row violation. */
  type?: SchemaType;
  /** Whether nulls (and NaN) are allowed. Default: true. */
  nullable?: boolean;
  /** The smallest value allowed: a number, or for timestamps a Date, an ISO date string or milliseconds. */
  min?: number | Date | string;
  /** The largest value allowed, as `min`. */
  max?: number | Date | string;
  /** The values allowed: strings for text, numbers for numbers, booleans for booleans, dates (Date, string or ms) for timestamps. */
  values?: readonly (string | number | boolean | Date)[];
  /** A pattern text values must match (`test`, so anchor it with ^…$ to match whole values). */
  pattern?: RegExp;
}

/** A declared schema: a rule per column, or just its type (`{ year: "integer" }`). */
export type TableSchema = Readonly<Record<string, ColumnRule | SchemaType>>;

/** The rules a row can break, in the order they are reported. */
export type RuleName = "nullable" | "integer" | "boolean" | "min" | "max" | "values" | "pattern";
export const RULE_NAMES: readonly RuleName[] = ["nullable", "integer", "boolean", "min", "max", "values", "pattern"];

/** How the scan reads a column: numbers (as doubles), int64, 0/1 flags, ms timestamps, or text. */
export type ColumnKind = "number" | "bigint" | "flag" | "timestamp" | "text";

/** A column's rules, ready for the scan. Bounds are in the column's units (ms for timestamps). */
export interface CompiledColumn {
  readonly name: string;
  readonly dtype: Dtype;
  readonly kind: ColumnKind;
  readonly nullable: boolean;
  /** Float values must be whole (declared "integer" on a float column). */
  readonly integer: boolean;
  /** Values must be 0 or 1 (declared "boolean" on a float64 column: booleans with nulls). */
  readonly boolean: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly allowed?: ReadonlySet<number | bigint | string>;
  readonly pattern?: RegExp;
  /** The rule as declared, for messages. */
  readonly declared: ColumnRule;
}

const TYPES: readonly SchemaType[] = ["number", "integer", "string", "boolean", "timestamp"];
const RULE_KEYS: readonly string[] = ["type", "nullable", "min", "max", "values", "pattern"];

/** The dtypes that can hold each type. Booleans with nulls and integers with nulls are read as float64. */
const HOLDS: Record<SchemaType, readonly Dtype[]> = {
  number: ["float64", "float32", "int32", "int64"],
  integer: ["int32", "int64", "float64", "float32"],
  string: ["string", "category"],
  boolean: ["bool", "float64"],
  timestamp: ["timestamp"],
};

/** The type to declare for a dtype, as a suggestion. */
const NATURAL: Record<Dtype, SchemaType> = {
  float64: "number",
  float32: "number",
  int32: "integer",
  int64: "integer",
  bool: "boolean",
  timestamp: "timestamp",
  string: "string",
  category: "string",
};

const DTYPE_WORDS: Record<Dtype, string> = {
  float64: "float64 numbers",
  float32: "float32 numbers",
  int32: "int32 integers",
  int64: "int64 integers",
  bool: "booleans",
  timestamp: "timestamps",
  string: "text (string)",
  category: "text (category)",
};

const quote = (s: string): string => JSON.stringify(s);

/** A rule as written: the shorthand expanded, unknown keys and types refused. */
export function normalizeRule(column: string, rule: ColumnRule | SchemaType): ColumnRule {
  const expanded: ColumnRule = typeof rule === "string" ? { type: rule } : rule;
  if (typeof expanded !== "object" || expanded === null) throw schemaError(column, `a rule is an object or a type name, not ${String(rule)}`);
  const unknown = Object.keys(expanded).filter((k) => !RULE_KEYS.includes(k));
  if (unknown.length > 0) throw schemaError(column, `unknown ${unknown.length === 1 ? "key" : "keys"} ${unknown.map(quote).join(", ")}; a rule has ${RULE_KEYS.join(", ")}`);
  if (expanded.type !== undefined && !TYPES.includes(expanded.type)) throw schemaError(column, `unknown type ${quote(String(expanded.type))}; use one of ${TYPES.map(quote).join(", ")}`);
  if (expanded.pattern !== undefined && !(expanded.pattern instanceof RegExp)) throw schemaError(column, `pattern must be a RegExp (/^[A-Z]{2}$/), not ${quote(String(expanded.pattern))}`);
  if (expanded.values !== undefined && !Array.isArray(expanded.values)) throw schemaError(column, "values must be an array of the values allowed");
  return expanded;
}

/**
 * The schema compiled against `table`. Throws a DataError naming `source`
 * for a missing column, a dtype that cannot hold the declared type, an
 * undeclared column when `extraColumns` is "error", or a rule that does not
 * apply to its column (a pattern on numbers).
 */
export function compileSchema(table: ColumnarTable, schema: TableSchema, source: string, extraColumns: "allow" | "error"): CompiledColumn[] {
  const rules = Object.entries(schema).map(([name, rule]) => [name, normalizeRule(name, rule)] as const);
  const dtypes = table.dtypes;
  const problems: string[] = [];
  for (const [name, rule] of rules) {
    const dtype = dtypes[name];
    if (dtype === undefined) {
      problems.push(`no column ${quote(name)}: add it to the data or the columns read, fix the name, or remove it from the schema (the columns are ${table.columns.map(quote).join(", ")})`);
    } else if (rule.type !== undefined && !HOLDS[rule.type].includes(dtype)) {
      problems.push(
        `column ${quote(name)} is declared ${quote(rule.type)} but holds ${DTYPE_WORDS[dtype]}: convert it when reading (CAST in SQL) or declare it ${quote(NATURAL[dtype])}`,
      );
    }
  }
  if (extraColumns === "error") {
    const extra = table.columns.filter((c) => !Object.hasOwn(schema, c));
    if (extra.length > 0) {
      problems.push(`undeclared ${extra.length === 1 ? "column" : "columns"} ${extra.map(quote).join(", ")} (extraColumns: "error"): declare them, leave them out when reading, or pass extraColumns: "allow"`);
    }
  }
  if (problems.length === 1) throw new DataError(`${source} does not have the shape its schema declares: ${problems[0]}`);
  if (problems.length > 1) throw new DataError(`${source} does not have the shape its schema declares:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  return rules.map(([name, rule]) => compileColumn(name, dtypes[name] as Dtype, rule));
}

function compileColumn(name: string, dtype: Dtype, rule: ColumnRule): CompiledColumn {
  const kind: ColumnKind =
    dtype === "string" || dtype === "category"
      ? "text"
      : dtype === "timestamp"
        ? "timestamp"
        : dtype === "bool" || (rule.type === "boolean" && dtype === "float64")
          ? "flag"
          : dtype === "int64"
            ? "bigint"
            : "number";
  const min = rule.min === undefined ? undefined : bound(name, "min", rule.min, kind);
  const max = rule.max === undefined ? undefined : bound(name, "max", rule.max, kind);
  if (min !== undefined && max !== undefined && min > max) throw schemaError(name, `min ${show(rule.min)} is above max ${show(rule.max)}`);
  if (rule.pattern !== undefined && kind !== "text") throw schemaError(name, `a pattern applies to text, and the column holds ${DTYPE_WORDS[dtype]}`);
  return {
    name,
    dtype,
    kind,
    nullable: rule.nullable ?? true,
    integer: rule.type === "integer" && (dtype === "float64" || dtype === "float32"),
    boolean: kind === "flag" && dtype === "float64",
    min,
    max,
    allowed: rule.values === undefined ? undefined : allowedSet(name, rule.values, kind),
    // A global or sticky RegExp remembers lastIndex between test() calls: a copy without those flags does not.
    pattern: rule.pattern === undefined ? undefined : new RegExp(rule.pattern.source, rule.pattern.flags.replace(/[gy]/g, "")),
    declared: rule,
  };
}

function bound(column: string, which: "min" | "max", value: number | Date | string, kind: ColumnKind): number {
  if (kind === "timestamp") return milliseconds(column, which, value);
  if (kind === "number" || kind === "bigint") {
    if (typeof value === "number" && !Number.isNaN(value)) return value;
    throw schemaError(column, `${which} must be a number for a numeric column, not ${show(value)}`);
  }
  throw schemaError(column, `${which} applies to numbers and timestamps, and the column holds ${kind === "text" ? "text" : "booleans"}`);
}

function milliseconds(column: string, what: string, value: unknown): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === "string" ? Date.parse(value) : typeof value === "number" ? value : NaN;
  if (Number.isNaN(ms)) throw schemaError(column, `${what} ${show(value)} is not a date: give a Date, an ISO date string ("2001-01-31") or milliseconds since 1970`);
  return ms;
}

function allowedSet(column: string, values: readonly unknown[], kind: ColumnKind): ReadonlySet<number | bigint | string> {
  const wrong = (v: unknown, want: string): DataError => schemaError(column, `values must be ${want} for this column, and ${show(v)} is not`);
  return new Set(
    values.map((v): number | bigint | string => {
      switch (kind) {
        case "text":
          if (typeof v !== "string") throw wrong(v, "strings");
          return v;
        case "number":
          if (typeof v !== "number") throw wrong(v, "numbers");
          return v;
        case "bigint":
          if (typeof v !== "number" || !Number.isInteger(v)) throw wrong(v, "whole numbers");
          return BigInt(v);
        case "flag":
          if (typeof v !== "boolean") throw wrong(v, "booleans");
          return v ? 1 : 0;
        case "timestamp":
          return milliseconds(column, "the value", v);
      }
    }),
  );
}

/** A declared value as messages show it: dates as ISO strings, strings quoted. */
export function show(value: unknown): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  return typeof value === "string" ? quote(value) : String(value);
}

/** A bound in a column's units as messages show it. */
export function showBound(column: CompiledColumn, value: number): string {
  return column.kind === "timestamp" ? new Date(value).toISOString() : String(value);
}

/** What the values that break a rule are, to follow "N values": "below the minimum -60". */
export function describeRule(c: CompiledColumn, rule: RuleName): string {
  switch (rule) {
    case "nullable":
      return "missing (null or NaN) in a non-nullable column";
    case "integer":
      return "outside the integers";
    case "boolean":
      return "other than 0 and 1 (false and true)";
    case "min":
      return `below the minimum ${showBound(c, c.min ?? -Infinity)}`;
    case "max":
      return `above the maximum ${showBound(c, c.max ?? Infinity)}`;
    case "values": {
      const values = c.declared.values ?? [];
      const shown = values.slice(0, SHOWN_VALUES).map(show).join(", ");
      return `not among the allowed values ${shown}${values.length > SHOWN_VALUES ? `, … (${values.length} in all)` : ""}`;
    }
    case "pattern":
      return `not matching ${String(c.declared.pattern)}`;
  }
}

/** Allowed values named in a description. */
const SHOWN_VALUES = 10;

function schemaError(column: string, problem: string): DataError {
  return new DataError(`invalid schema rule for column ${quote(column)}: ${problem}`);
}
