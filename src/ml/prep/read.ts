import { extname, resolve } from "node:path";
import type { DataFrame } from "danfojs-node";
import { DataError, messageOf } from "../../errors";
import { formatBytes, warnOnce } from "../../util";
import { interruptibly } from "../../run-context";
import { type ColumnType, DECIMAL, castColumns } from "./cast";
import { CsvSyntaxError, type ParsedCsv, parseCsv, readTracked } from "../../data";
import { type Cell, type OutputColumn, describeValue, isMissing, makeFrame, quote } from "./frame";

/** Options of {@link readCsv}. */
export interface ReadCsvOptions {
  /** The field separator: one character. Default: "\t" for a .tsv file, else ",". */
  delimiter?: string;
  /** Cells that mean "missing" (read as null). Default: `[""]`, the empty cell. */
  naValues?: readonly string[];
  /** Column types to cast to after reading, as {@link castColumns} does. */
  dtypes?: Readonly<Record<string, ColumnType>>;
}

/**
 * Reads a CSV (or TSV) file into a danfo DataFrame, indexed 0..n-1.
 *
 * The first line names the columns (an empty name becomes `Unnamed: i`, as in
 * pandas). A column whose every non-missing cell is a decimal number holds
 * numbers: int32 when they are all whole and none is missing, else float32.
 * Any other column holds its cells as text (dtype string), so "007" stays
 * "007". Missing cells are null. The types are decided on every row, not on
 * the first 20 as danfo's own inference does; `options.dtypes` casts columns
 * afterwards.
 *
 * A missing, unreadable or malformed file (an unterminated quote, a row with
 * more or fewer fields than the header, a header naming a column twice) is a
 * DataError naming the file and the line.
 *
 * @example
 * ```ts
 * const cars = readCsv("data/cars.csv", { dtypes: { Cylinders: "int32" } });
 * const weather = readCsv(datasetPath("seattle-weather"));
 * ```
 */
export function readCsv(path: string, options: ReadCsvOptions = {}): DataFrame {
  // In the kernel, Jupyter's interrupt breaks off a long read at once.
  return interruptibly(() => readCsvNow(path, options), `reading ${path}`);
}

function readCsvNow(path: string, options: ReadCsvOptions): DataFrame {
  const file = resolve(path);
  const text = readText(path, "CSV");
  const delimiter = options.delimiter ?? (extname(file).toLowerCase() === ".tsv" ? "\t" : ",");
  const na = new Set(options.naValues ?? [""]);
  let parsed: ParsedCsv;
  try {
    parsed = parseCsv(text, delimiter);
  } catch (error) {
    // A syntax error's message starts with its line: "line 7: 4 fields where the header (line 1) has 5".
    const why = error instanceof CsvSyntaxError ? error.message : `bad option: ${messageOf(error)}`;
    throw new DataError(`cannot read the CSV file ${file}: ${why}`, { cause: error });
  }
  const header = parsed.header.map((name, i) => (name === "" ? `Unnamed: ${i}` : name));
  const duplicate = header.find((name, i) => header.indexOf(name) !== i);
  if (duplicate !== undefined) {
    throw new DataError(`cannot read the CSV file ${file}: the header names the column ${quote(duplicate)} twice; rename one of them`);
  }
  const columns = header.map((name, j) => {
    const cells = parsed.records.map((r) => r[j] ?? "");
    return typedTextColumn(name, cells, na);
  });
  const frame = framed(columns, file);
  return options.dtypes === undefined ? frame : castColumns(frame, options.dtypes);
}

/**
 * Reads a JSON file into a danfo DataFrame, indexed 0..n-1: an array of
 * records (`[{ "a": 1, "b": "x" }, ...]`, a record may lack a key: null) or an
 * object of columns (`{ "a": [1, 2], "b": ["x", "y"] }`).
 *
 * Values must be numbers, strings, booleans or null. A column of numbers is
 * int32 when they are all whole and none is missing, else float32; a column of
 * booleans is boolean; a column of strings, or of mixed values, is string
 * (numbers and booleans in it become their text). A missing, unreadable or
 * malformed file is a DataError naming the file.
 *
 * @example
 * ```ts
 * const penguins = readJson(datasetPath("penguins"));
 * penguins.shape; // [344, 7]
 * ```
 */
export function readJson(path: string): DataFrame {
  return interruptibly(() => readJsonNow(path), `reading ${path}`);
}

function readJsonNow(path: string): DataFrame {
  const file = resolve(path);
  const text = readText(path, "JSON");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw new DataError(`cannot read the JSON file ${file}: ${messageOf(error)}`, { cause: error });
  }
  const fail = (why: string): never => {
    throw new DataError(`cannot read the JSON file ${file}: ${why}`);
  };
  const byColumn = new Map<string, Cell[]>();
  if (Array.isArray(parsed)) {
    if (parsed.length === 0) fail("the array holds no records");
    const records: unknown[] = parsed;
    records.forEach((record, i) => {
      if (record === null || typeof record !== "object" || Array.isArray(record)) {
        fail(`record ${i} is ${describeValue(record)}, not an object; expected an array of records such as [{ "a": 1 }]`);
      }
      for (const key of Object.keys(record as object)) {
        if (!byColumn.has(key)) byColumn.set(key, new Array<Cell>(records.length).fill(null));
      }
      for (const [key, value] of Object.entries(record as object)) (byColumn.get(key) as Cell[])[i] = value;
    });
  } else if (parsed !== null && typeof parsed === "object") {
    const entries = Object.entries(parsed);
    if (entries.length === 0) fail("the object holds no columns");
    let n: number | undefined;
    for (const [key, values] of entries) {
      if (!Array.isArray(values)) fail(`the column ${quote(key)} is ${describeValue(values)}, not an array; expected an object of columns such as { "a": [1, 2] }`);
      const column = values as Cell[];
      if (n !== undefined && column.length !== n) fail(`the column ${quote(key)} has ${column.length} values where the others have ${n}`);
      n = column.length;
      byColumn.set(key, column);
    }
    if (n === 0) fail("the columns hold no values");
  } else {
    fail(`it holds ${describeValue(parsed)}; expected an array of records or an object of columns`);
  }
  const columns: OutputColumn[] = [];
  for (const [name, values] of byColumn) {
    const bad = values.findIndex((v) => v !== null && v !== undefined && typeof v !== "number" && typeof v !== "string" && typeof v !== "boolean");
    if (bad >= 0) fail(`the value of ${quote(name)} in record ${bad} is ${describeValue(values[bad])}; values must be numbers, strings, booleans or null`);
    columns.push(typedValueColumn(name, values));
  }
  return framed(columns, file);
}

/** Above this size a danfo frame of the file is slow to build and big: readCsv and readJson point to the columnar readers. */
const BIG_FILE_BYTES = 16 * 1024 * 1024;

/** A file's text, read as pipelab's readers do (inside a step, it becomes part of what its output is checked against). */
function readText(path: string, kind: string): string {
  const bytes = readTracked(path, `${kind} file`);
  if (bytes.byteLength > BIG_FILE_BYTES) {
    const reader = kind === "CSV" ? "readCsvTable" : "readJsonTable";
    warnOnce(`${path} is ${formatBytes(bytes.byteLength)}: read${kind === "CSV" ? "Csv" : "Json"} builds a danfo DataFrame of one JS value per cell, slow and big at this size; \`await ${reader}(path)\` reads it through DuckDB into a ColumnarTable, about 10x faster`);
  }
  return bytes.toString("utf8");
}

function framed(columns: OutputColumn[], file: string): DataFrame {
  const n = columns[0]?.values.length ?? 0;
  if (columns.length === 0) throw new DataError(`cannot read ${file}: it has no columns`);
  return makeFrame(columns, Array.from({ length: n }, (_, i) => i), `reading ${file}`);
}

/** A CSV column: numbers when every non-missing cell is a decimal number, else text. */
function typedTextColumn(name: string, cells: readonly string[], na: ReadonlySet<string>): OutputColumn {
  const numeric = cells.every((c) => na.has(c) || DECIMAL.test(c.trim()));
  if (!numeric) return { name, dtype: "string", values: cells.map((c) => (na.has(c) ? null : c)) };
  const values = cells.map((c) => (na.has(c) ? null : Number(c.trim())));
  return { name, dtype: numericDtype(values), values };
}

/** A JSON column: numbers, booleans, or text (a mixed column becomes text). */
function typedValueColumn(name: string, values: readonly Cell[]): OutputColumn {
  const present = values.filter((v) => !isMissing(v));
  const kinds = new Set(present.map((v) => typeof v));
  const cleaned = values.map((v) => (isMissing(v) ? null : v));
  if (kinds.size === 0 || (kinds.size === 1 && kinds.has("number"))) return { name, dtype: numericDtype(cleaned), values: cleaned };
  if (kinds.size === 1 && kinds.has("boolean")) return { name, dtype: "boolean", values: cleaned };
  return { name, dtype: "string", values: cleaned.map((v) => (v === null ? null : String(v))) };
}

function numericDtype(values: readonly Cell[]): string {
  return values.length > 0 && values.every((v) => typeof v === "number" && Number.isInteger(v)) ? "int32" : "float32";
}
