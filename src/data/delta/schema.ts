/**
 * A Delta table's schema (Spark's JSON schema, in `metaData.schemaString`)
 * and the one rule for how its types meet pipelab's: which DuckDB type a
 * Delta type is read as, which Delta type a column's dtype is written as,
 * and which columns an existing table accepts.
 */
import { DataError } from "../../errors";
import type { ColumnarTable, Dtype } from "../columnar";
import { sqlIdentifier } from "../duckdb";

/** A primitive type's name ("long", "decimal(10,2)"), or a nested type as the JSON holds it. */
export type DeltaType = string | { readonly type: "struct" | "array" | "map"; readonly [field: string]: unknown };

export interface DeltaField {
  readonly name: string;
  readonly type: DeltaType;
  readonly nullable: boolean;
  readonly metadata: Readonly<Record<string, unknown>>;
}

/** The top-level fields of a schemaString; `where` names its table in errors. */
export function parseSchema(schemaString: string, where: string): DeltaField[] {
  let schema: unknown;
  try {
    schema = JSON.parse(schemaString);
  } catch (error) {
    throw new DataError(`the schemaString of ${where} is not JSON (${(error as Error).message}): the log is damaged`, { cause: error });
  }
  const fields = (schema as { fields?: unknown } | null)?.fields;
  if ((schema as { type?: unknown } | null)?.type !== "struct" || !Array.isArray(fields)) {
    throw new DataError(`the schemaString of ${where} is not a struct with fields: ${schemaString.slice(0, 80)}`);
  }
  return fields.map((f: unknown, i) => {
    const o = f as Record<string, unknown> | null;
    const type = o?.type;
    if (typeof o?.name !== "string" || !(typeof type === "string" || (type !== null && typeof type === "object"))) {
      throw new DataError(`field ${i + 1} of the schema of ${where} has no name or type: ${JSON.stringify(f)?.slice(0, 80)}`);
    }
    const metadata = o.metadata !== null && typeof o.metadata === "object" ? (o.metadata as Record<string, unknown>) : {};
    return { name: o.name, type: type as DeltaType, nullable: o.nullable !== false, metadata };
  });
}

/** Fields as a schemaString. */
export function schemaString(fields: readonly DeltaField[]): string {
  return JSON.stringify({ type: "struct", fields: fields.map((f) => ({ name: f.name, type: f.type, nullable: f.nullable, metadata: f.metadata })) });
}

/** A type as people read it: "long", "decimal(10,2)", "struct", "array". */
export function typeName(type: DeltaType): string {
  return typeof type === "string" ? type : type.type;
}

const PRIMITIVE_SQL: Readonly<Record<string, string>> = {
  string: "VARCHAR",
  long: "BIGINT",
  integer: "INTEGER",
  short: "SMALLINT",
  byte: "TINYINT",
  float: "FLOAT",
  double: "DOUBLE",
  boolean: "BOOLEAN",
  binary: "BLOB",
  date: "DATE",
  // Both are microseconds since 1970 to pipelab: a `timestamp` is UTC, a `timestamp_ntz` wall-clock time read as UTC.
  timestamp: "TIMESTAMP",
  timestamp_ntz: "TIMESTAMP",
  // Never stored in files, always null.
  void: "DOUBLE",
};

/** The DuckDB type a Delta type is read as (nested types included, for a column no file has). */
export function sqlType(type: DeltaType): string {
  if (typeof type === "string") {
    const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
    if (decimal !== null) return `DECIMAL(${decimal[1]}, ${decimal[2]})`;
    const sql = PRIMITIVE_SQL[type];
    if (sql === undefined) throw new DataError(`the Delta type ${JSON.stringify(type)} is unknown to pipelab's Delta reader`);
    return sql;
  }
  if (type.type === "array") return `${sqlType(type.elementType as DeltaType)}[]`;
  if (type.type === "map") return `MAP(${sqlType(type.keyType as DeltaType)}, ${sqlType(type.valueType as DeltaType)})`;
  const fields = Array.isArray(type.fields) ? (type.fields as { name: string; type: DeltaType }[]) : [];
  return `STRUCT(${fields.map((f) => `${sqlIdentifier(f.name)} ${sqlType(f.type)}`).join(", ")})`;
}

/**
 * How a column of the table's files is selected: as is, but a decimal as a
 * DOUBLE, which a ColumnarTable holds (to the 15–17 digits a double keeps).
 */
export function readExpression(field: DeltaField, column: string): string {
  return typeof field.type === "string" && field.type.startsWith("decimal(") ? `CAST(${column} AS DOUBLE)` : column;
}

/** The Delta type each dtype is written as, for a new table. */
const DTYPE_TYPES: Readonly<Record<Dtype, string>> = {
  float64: "double",
  float32: "float",
  int32: "integer",
  int64: "long",
  bool: "boolean",
  timestamp: "timestamp",
  string: "string",
  category: "string",
};

/** The fields of a new table holding `table`. */
export function fieldsOf(table: ColumnarTable): DeltaField[] {
  return table.columns.map((name) => ({ name, type: DTYPE_TYPES[table.dtypes[name] as Dtype], nullable: true, metadata: {} }));
}

const INTEGER_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  byte: [-128, 127],
  short: [-32768, 32767],
  integer: [-2147483648, 2147483647],
  long: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/**
 * Why the column `name` of `table` cannot be written to `field`, or
 * undefined when it can. A column's dtype fits its own Delta type, and the
 * dtypes the reader gives a Delta type fit it back (a long or a nullable
 * integer is read as float64, a short as int32, a date as a timestamp), as
 * long as the values are in range; exact widenings (int32 into long or
 * double, float32 into double) fit too.
 */
export function misfit(field: DeltaField, table: ColumnarTable, name: string): string | undefined {
  const dtype = table.dtypes[name] as Dtype;
  const type = typeName(field.type);
  if (DTYPE_TYPES[dtype] === type) return undefined;
  const values = table.column(name);
  const range = INTEGER_RANGES[type];
  const says = `is ${dtype} here and ${type} in the table`;
  if (range !== undefined && (dtype === "float64" || dtype === "int32")) {
    const bad = firstIndex(values as Float64Array | Int32Array, (v) => !Number.isNaN(v) && (!Number.isInteger(v) || v < range[0] || v > range[1]));
    return bad === undefined ? undefined : `${says}, and row ${bad} holds ${String(values[bad])}, not a ${type}`;
  }
  if (type === "boolean" && dtype === "float64") {
    const bad = firstIndex(values as Float64Array, (v) => !Number.isNaN(v) && v !== 0 && v !== 1);
    return bad === undefined ? undefined : `${says}, and row ${bad} holds ${String(values[bad])}, not 0, 1 or missing`;
  }
  if (type === "double" && (dtype === "float32" || dtype === "int32")) return undefined;
  if (type === "timestamp_ntz" && dtype === "timestamp") return undefined;
  if (type === "date" && dtype === "timestamp") {
    const bad = firstIndex(values as Float64Array, (v) => !Number.isNaN(v) && v % 86_400_000 !== 0);
    return bad === undefined ? undefined : `${says}, and row ${bad} holds ${new Date(values[bad] as number).toISOString()}, not a date (midnight UTC)`;
  }
  if (type.startsWith("decimal(") && (dtype === "float64" || dtype === "float32" || dtype === "int32")) return undefined;
  return says;
}

function firstIndex(values: Float64Array | Int32Array, bad: (v: number) => boolean): number | undefined {
  for (let i = 0; i < values.length; i++) if (bad(values[i] as number)) return i;
  return undefined;
}

/**
 * The SQL that turns a loaded column (`column`, as DuckDB holds a dtype)
 * into the table's type for a data file. A timestamp is written as UTC
 * (`isAdjustedToUTC`, what Delta's `timestamp` is), without the session's
 * time zone in between.
 */
export function writeExpression(field: DeltaField, column: string): string {
  const type = typeName(field.type);
  if (type === "timestamp") return `timezone('UTC', ${column})`;
  return `CAST(${column} AS ${sqlType(field.type)})`;
}
