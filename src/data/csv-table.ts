/**
 * readCsvTable and readJsonTable: CSV and JSON files of any size read
 * through DuckDB into a ColumnarTable, as strict as readCsv: the header
 * names the columns (no guessing), a row with more or fewer fields or an
 * unclosed quote is an error naming the line, and a column's type holds for
 * every row (a sniffed type that a later row breaks is widened: integer to
 * float to text, so "007" and "n/a" stay text rather than failing).
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { extname, resolve } from "node:path";
import { DataError, messageOf } from "../errors";
import { currentStep, noteFileRead } from "../run-context";
import { describeUnreadable, fileDigest } from "../util";
import type { ColumnarTable, Dtype } from "./columnar";
import { CsvSyntaxError, parseCsv } from "./csv";
import { queryColumns, sqlString } from "./duckdb";
import type { StringColumns } from "./duckdb";
import { checkedOnRead } from "./schema";
import type { SchemaOnRead } from "./schema";

/** Options of {@link readCsvTable}. */
export interface ReadCsvTableOptions extends SchemaOnRead {
  /** The field separator: one character. Default: "\t" for a .tsv file, else ",". */
  delimiter?: string;
  /** Cells that mean "missing". Default: `[""]`, the empty cell. */
  naValues?: readonly string[];
  /** Declared column types, by column: a value that does not fit is an error naming the line. Others are inferred. */
  dtypes?: Readonly<Record<string, Dtype>>;
  /** Text columns as a category (codes + dictionary, the default) or as strings. */
  strings?: StringColumns;
}

/** DuckDB types a column can be read as, widest last. */
const WIDER: Readonly<Record<string, string>> = { BIGINT: "DOUBLE", DOUBLE: "VARCHAR", BOOLEAN: "VARCHAR", DATE: "VARCHAR", TIMESTAMP: "VARCHAR" };

const DECLARED: Readonly<Record<Dtype, string>> = {
  float64: "DOUBLE",
  float32: "FLOAT",
  int32: "INTEGER",
  int64: "BIGINT",
  bool: "BOOLEAN",
  timestamp: "TIMESTAMP",
  string: "VARCHAR",
  category: "VARCHAR",
};

/**
 * Reads a CSV (or TSV) file into a ColumnarTable through DuckDB: for big
 * files (millions of rows), where readCsv's danfo DataFrame is too slow.
 * Numbers are float64 (int32 when DuckDB reads them as small integers), text
 * a category (or strings), dates timestamps; missing numbers NaN. Inside a
 * step, the file's content is part of the step's key.
 *
 * @example
 * ```ts
 * const trips = await wb.step("trips", () => readCsvTable("data/trips.csv", { dtypes: { zone: "category" } }));
 * ```
 */
export async function readCsvTable(path: string, options: ReadCsvTableOptions = {}): Promise<ColumnarTable> {
  const file = resolve(path);
  const fail = (why: string, cause?: unknown): DataError => new DataError(`cannot read the CSV file ${file}: ${why}`, cause === undefined ? undefined : { cause });
  const delimiter = options.delimiter ?? (extname(file).toLowerCase() === ".tsv" ? "\t" : ",");
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === "\n" || delimiter === "\r") throw fail(`invalid delimiter ${JSON.stringify(delimiter)} (use one character such as "," or "\\t")`);
  const header = readHeader(path, file, delimiter);
  const declared = options.dtypes ?? {};
  const unknown = Object.keys(declared).filter((c) => !header.includes(c));
  if (unknown.length > 0) throw fail(`dtypes names ${unknown.map((c) => JSON.stringify(c)).join(", ")}, which the header does not have; its columns are ${header.map((c) => JSON.stringify(c)).join(", ")}`);
  if (currentStep() !== undefined) noteFileRead(file, fileDigest(file));
  const dialect = [
    `header = true`,
    `delim = ${sqlString(delimiter)}`,
    `quote = '"'`,
    `escape = '"'`,
    `nullstr = [${(options.naValues ?? [""]).map(sqlString).join(", ")}]`,
  ].join(", ");
  const what = `reading the CSV file ${file}`;
  const quick = await readSniffed(file, header, dialect, declared, options.strings, what);
  if (quick !== undefined) return checkedOnRead(quick, options, path);
  const types = await sniffTypes(file, header, dialect, declared, what);
  // A sniffed type is a guess from the first rows: widened, and read again, when a later row breaks it.
  for (let attempt = 0; ; attempt++) {
    const columns = header.map((c, j) => `${sqlString(c)}: ${sqlString(types[j] as string)}`).join(", ");
    try {
      const table = await queryColumns(`SELECT * FROM read_csv(${sqlString(file)}, ${dialect}, auto_detect = false, strict_mode = true, columns = {${columns}})`, { what, strings: options.strings });
      return checkedOnRead(table, options, path);
    } catch (error) {
      const message = messageOf(error instanceof DataError && error.cause !== undefined ? error.cause : error);
      const line = /CSV Error on Line: (\d+)/.exec(message)?.[1];
      const converting = /Error when converting column "((?:[^"]|"")*)"/.exec(message)?.[1];
      const j = converting === undefined ? -1 : header.indexOf(converting);
      if (j >= 0 && converting !== undefined) {
        const value = /Could not convert string "((?:[^"]|"")*)"/.exec(message)?.[1];
        if (Object.hasOwn(declared, converting)) {
          throw fail(`line ${line ?? "?"}: the column ${JSON.stringify(converting)} is declared ${declared[converting]}, but holds ${JSON.stringify(value ?? "a value")}; fix the file, or declare the column as "string"`, error);
        }
        const wider = WIDER[types[j] as string];
        if (wider !== undefined && attempt < header.length * 3) {
          types[j] = wider;
          continue;
        }
      }
      throw explain(message, line, error, fail, header.length);
    }
  }
}

/**
 * Reads a JSON file into a ColumnarTable through DuckDB: an array of records
 * (`[{ "a": 1 }, ...]`) or newline-delimited records, one object a line.
 *
 * @example
 * ```ts
 * const events = await readJsonTable("data/events.ndjson");
 * ```
 */
export async function readJsonTable(path: string, options: { strings?: StringColumns } = {}): Promise<ColumnarTable> {
  const file = resolve(path);
  try {
    statSync(file);
  } catch (error) {
    throw new DataError(`cannot read the JSON file ${file}: ${describeUnreadable(path, error)}`, { cause: error });
  }
  if (currentStep() !== undefined) noteFileRead(file, fileDigest(file));
  try {
    return await queryColumns(`SELECT * FROM read_json(${sqlString(file)}, format = 'auto', records = true, sample_size = -1)`, { what: `reading the JSON file ${file}`, strings: options.strings });
  } catch (error) {
    const message = messageOf(error instanceof DataError && error.cause !== undefined ? error.cause : error);
    throw new DataError(
      `cannot read the JSON file ${file}: ${message.split("\n")[0]}; readJsonTable reads an array of records or one record a line (an object of columns: use readJson)`,
      { cause: error },
    );
  }
}

/** The header line, parsed as readCsv parses it: empty names become `Unnamed: i`, a repeated name is an error. */
function readHeader(path: string, file: string, delimiter: string): string[] {
  let head: string;
  try {
    const fd = openSync(file, "r");
    try {
      const buffer = Buffer.alloc(1 << 20);
      const n = readSync(fd, buffer, 0, buffer.length, 0);
      head = buffer.subarray(0, n).toString("utf8");
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw new DataError(`cannot read the CSV file ${file}: ${describeUnreadable(path, error)}`, { cause: error });
  }
  const end = head.search(/\r?\n/);
  let names: string[];
  try {
    names = parseCsv(end < 0 ? head : head.slice(0, end), delimiter).header;
  } catch (error) {
    throw new DataError(`cannot read the CSV file ${file}: ${error instanceof CsvSyntaxError ? error.message : messageOf(error)}`, { cause: error });
  }
  const header = names.map((name, i) => (name === "" ? `Unnamed: ${i}` : name));
  const duplicate = header.find((name, i) => header.indexOf(name) !== i);
  if (duplicate !== undefined) throw new DataError(`cannot read the CSV file ${file}: the header names the column ${JSON.stringify(duplicate)} twice; rename one of them`);
  return header;
}

/** The types a column may be inferred as: the ones the strict read widens between. */
const CANDIDATES = `auto_type_candidates = ['BOOLEAN', 'BIGINT', 'DOUBLE', 'DATE', 'TIMESTAMP', 'VARCHAR']`;

/**
 * The common case in one pass: DuckDB sniffs the types from the first rows
 * and reads the file with the dialect fixed (delimiter, quotes, the header's
 * names, no comment lines, no rows skipped, strict). Undefined whenever that
 * is not certainly right (the columns differ from the header, a later row
 * breaks a sniffed type, the file is malformed): the careful path then reads
 * it again and says precisely what is wrong.
 */
async function readSniffed(file: string, header: readonly string[], dialect: string, declared: Readonly<Record<string, Dtype>>, strings: StringColumns | undefined, what: string): Promise<ColumnarTable | undefined> {
  const names = `names = [${header.map(sqlString).join(", ")}]`;
  const types = Object.keys(declared).length === 0 ? "" : `, types = {${Object.entries(declared).map(([c, d]) => `${sqlString(c)}: ${sqlString(DECLARED[d])}`).join(", ")}}`;
  try {
    const table = await queryColumns(`SELECT * FROM read_csv(${sqlString(file)}, ${dialect}, ${names}, comment = '', skip = 0, strict_mode = true, null_padding = false, ${CANDIDATES}${types})`, { what, strings });
    return table.columns.length === header.length && table.columns.every((c, j) => c === header[j]) ? table : undefined;
  } catch {
    return undefined;
  }
}

/** The types DuckDB's sniffer guesses from the first rows (declared ones as declared), as BIGINT, DOUBLE, BOOLEAN, DATE, TIMESTAMP or VARCHAR. */
async function sniffTypes(file: string, header: readonly string[], dialect: string, declared: Readonly<Record<string, Dtype>>, what: string): Promise<string[]> {
  let sniffed: (string | null)[] = header.map(() => "VARCHAR");
  try {
    const names = `names = [${header.map(sqlString).join(", ")}]`;
    const described = await queryColumns(`DESCRIBE SELECT * FROM read_csv(${sqlString(file)}, ${dialect}, ${names})`, { what, strings: "strings" });
    if (described.rows === header.length) sniffed = described.strings("column_type");
  } catch {
    // The sniffer gives up on some malformed files: the strict read names the line.
  }
  return header.map((name, j) => {
    const d = declared[name];
    if (d !== undefined) return DECLARED[d];
    const t = sniffed[j] ?? "VARCHAR";
    if (/^(BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|U?BIGINT|UINTEGER|USMALLINT|UTINYINT)$/.test(t)) return "BIGINT";
    if (/^(DOUBLE|FLOAT|DECIMAL)/.test(t)) return "DOUBLE";
    if (t === "BOOLEAN" || t === "DATE" || t.startsWith("TIMESTAMP")) return t === "BOOLEAN" || t === "DATE" ? t : "TIMESTAMP";
    return "VARCHAR";
  });
}

/** DuckDB's CSV error said as readCsv says it: the line and what is wrong there. */
function explain(message: string, line: string | undefined, error: unknown, fail: (why: string, cause?: unknown) => DataError, width: number): DataError {
  const counts = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  if (counts !== null) {
    const found = Number(counts[2]);
    return fail(`line ${line ?? "?"}: ${found} field${found === 1 ? "" : "s"} where the header (line 1) has ${width}`, error);
  }
  if (/unterminated quote/i.test(message)) return fail(`line ${line ?? "?"}: a quoted field is never closed (a " is missing)`, error);
  if (/empty|no data|no rows/i.test(message)) return fail("the file is empty (it needs a header line with the column names)", error);
  const first = message.split("\n").find((l) => l.trim() !== "") ?? message;
  return fail(`${line === undefined ? "" : `line ${line}: `}${first.replace(/^.*?Error: /, "")}`, error);
}

