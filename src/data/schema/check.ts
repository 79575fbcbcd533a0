/**
 * checkSchema: a table checked against its declared schema at ingestion,
 * then failed, or split into good rows kept and bad rows quarantined.
 */
import { basename, extname } from "node:path";
import type { ColumnarTable } from "../columnar";
import { DataError } from "../../errors";
import { currentStep } from "../../run-context";
import { quarantineCsv, writeQuarantine } from "./quarantine";
import { SchemaReport, SchemaViolationError } from "./report";
import type { CellValue, ExampleRow, RuleViolation } from "./report";
import { compileSchema, describeRule } from "./rules";
import type { TableSchema } from "./rules";
import { scanTable } from "./scan";
import type { ScanResult, Tally } from "./scan";

export interface CheckOptions {
  /** The file or table checked, as messages and metric keys name it ("data/flights.parquet"). */
  source: string;
  /**
   * What rows that break the schema do: `"fail"` (the default) throws a
   * SchemaViolationError and returns nothing; `"quarantine"` returns the good
   * rows and writes the bad ones to the `quarantine` file.
   */
  onViolation?: "fail" | "quarantine";
  /**
   * The CSV file the bad rows go to, required with `onViolation: "quarantine"`
   * (no default: the data's folder may be read-only or shared, and a file
   * appearing beside it unasked would surprise). Relative paths resolve
   * against the working folder; its folder is created. It is replaced on
   * every check, by a header alone when no row broke the schema.
   */
  quarantine?: string;
  /** Whether the table may have columns the schema does not declare. Default: "allow". */
  extraColumns?: "allow" | "error";
  /** Example rows kept per rule broken. Default: 5. */
  examples?: number;
}

/** What checkSchema returns: the table to use (all rows, or the good ones) and the report. */
export interface SchemaCheck {
  readonly table: ColumnarTable;
  readonly report: SchemaReport;
}

const DEFAULT_EXAMPLES = 5;

/**
 * Checks `table` against `schema`. A missing column, or a column whose dtype
 * cannot hold the declared type, is a DataError whatever `onViolation` says.
 * Rows that break a rule (a null where the column is not nullable, a value
 * out of range, not among the allowed values, not matching the pattern, a
 * fraction in an integer column) are counted per column and rule, and then
 * either fail the check (SchemaViolationError) or are quarantined.
 *
 * Inside a step, the counts are logged as metrics `schema.<name>.rows`,
 * `.violations` (over rules: a row breaking two counts twice) and
 * `.quarantined`, `<name>` being the source's file name without extension.
 *
 * @example
 * ```ts
 * const raw = await readParquet("data/flights.parquet");
 * const { table: flights, report } = await checkSchema(
 *   raw,
 *   { year: "integer", delay: { type: "number", nullable: false, min: -60 }, carrier: { values: ["AA", "UA"] } },
 *   { source: "data/flights.parquet", onViolation: "quarantine", quarantine: "quarantine/flights.csv" },
 * );
 * ```
 */
export async function checkSchema(table: ColumnarTable, schema: TableSchema, options: CheckOptions): Promise<SchemaCheck> {
  const o = normalizeOptions(options);
  const columns = compileSchema(table, schema, o.source, o.extraColumns);
  const scan = scanTable(table, columns, { examples: o.examples, keepHits: o.quarantine !== undefined });
  const violations = violationsOf(table, scan);
  if (o.quarantine === undefined) {
    const report = new SchemaReport({ source: o.source, rows: table.rows, badRows: scan.badRows, violations, quarantine: undefined });
    logMetrics(report);
    if (!report.ok) throw new SchemaViolationError(report);
    return { table, report };
  }
  const { good, bad } = splitRows(scan.bad, scan.badRows);
  const file = writeQuarantine(o.quarantine, quarantineCsv(table, bad, labelsOf(bad, scan.tallies)), o.source);
  const report = new SchemaReport({ source: o.source, rows: table.rows, badRows: scan.badRows, violations, quarantine: { rows: bad.length, file } });
  logMetrics(report);
  return { table: bad.length === 0 ? table : table.take(good), report };
}

interface Normalized {
  readonly source: string;
  /** Set when quarantining. */
  readonly quarantine: string | undefined;
  readonly extraColumns: "allow" | "error";
  readonly examples: number;
}

function normalizeOptions(options: CheckOptions): Normalized {
  const { source, onViolation = "fail", quarantine, extraColumns = "allow", examples = DEFAULT_EXAMPLES } = options;
  if (typeof source !== "string" || source === "") throw new DataError("checkSchema needs a source: the file or table checked, for messages (source: \"data/flights.parquet\")");
  if (onViolation !== "fail" && onViolation !== "quarantine") throw new DataError(`invalid onViolation: ${JSON.stringify(onViolation)}; use "fail" or "quarantine"`);
  if (extraColumns !== "allow" && extraColumns !== "error") throw new DataError(`invalid extraColumns: ${JSON.stringify(extraColumns)}; use "allow" or "error"`);
  if (!Number.isInteger(examples) || examples < 0) throw new DataError(`invalid examples: ${String(examples)}; give a whole number of example rows per rule, 0 or more`);
  if (onViolation === "quarantine" && (typeof quarantine !== "string" || quarantine === "")) {
    throw new DataError(`onViolation: "quarantine" needs a quarantine file for the bad rows of ${source}: pass quarantine: "quarantine/${metricName(source)}.csv" (a CSV path)`);
  }
  return { source, quarantine: onViolation === "quarantine" ? quarantine : undefined, extraColumns, examples };
}

/** The rules broken, with their example rows' values (read once per row). */
function violationsOf(table: ColumnarTable, scan: ScanResult): RuleViolation[] {
  const rows = new Map<number, ExampleRow>();
  const example = (row: number): ExampleRow => {
    let e = rows.get(row);
    if (e === undefined) {
      const values: Record<string, CellValue> = {};
      for (const name of table.columns) values[name] = table.value(name, row);
      e = { row, values };
      rows.set(row, e);
    }
    return e;
  };
  return scan.tallies
    .filter((t) => t.count > 0)
    .map((t) => ({ column: t.column.name, rule: t.rule, description: describeRule(t.column, t.rule), count: t.count, examples: t.examples.map(example) }));
}

/** The positions of the good rows and of the bad rows, in order. */
function splitRows(mask: Uint8Array, badRows: number): { good: Int32Array; bad: Int32Array } {
  const good = new Int32Array(mask.length - badRows);
  const bad = new Int32Array(badRows);
  let g = 0;
  let b = 0;
  for (let r = 0; r < mask.length; r++) {
    if (mask[r] === 1) bad[b++] = r;
    else good[g++] = r;
  }
  return { good, bad };
}

/** For each bad row (in order), the rules it broke: "delay: below the minimum -60; carrier: …". */
function labelsOf(bad: Int32Array, tallies: readonly Tally[]): string[] {
  const labels = new Array<string>(bad.length).fill("");
  for (const t of tallies) {
    if (t.count === 0 || t.hits === undefined) continue;
    const label = `${t.column.name}: ${describeRule(t.column, t.rule)}`;
    // Both lists are in row order: one walk finds each hit's place among the bad rows.
    let j = 0;
    for (const row of t.hits) {
      while (bad[j] !== row) j++;
      labels[j] = labels[j] === "" ? label : `${labels[j]}; ${label}`;
    }
  }
  return labels;
}

/** Inside a step, the counts as metrics of the run; outside one, nothing. */
function logMetrics(report: SchemaReport): void {
  const step = currentStep();
  if (step === undefined) return;
  const prefix = `schema.${metricName(report.source)}`;
  step.log([
    { key: `${prefix}.rows`, value: report.rows, step: 0 },
    { key: `${prefix}.violations`, value: report.violationCount, step: 0 },
    { key: `${prefix}.quarantined`, value: report.quarantine?.rows ?? 0, step: 0 },
  ]);
}

/** A source as metric keys name it: its file name without extension ("data/flights.parquet" -> "flights"). */
export function metricName(source: string): string {
  const name = basename(source.replace(/[\\/]+$/, ""));
  const stem = name.slice(0, name.length - extname(name).length);
  return stem === "" ? name || "table" : stem;
}
