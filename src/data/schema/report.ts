/**
 * What a schema check found: per column and rule, how many rows broke it and
 * a few of them; how many rows were quarantined and where. Shown as text and,
 * in Jupyter, as HTML tables.
 */
import { inspect } from "node:util";
import { MIME_BUNDLE } from "../../display";
import type { MimeBundle } from "../../display";
import { count, formatValue } from "../../display/cells";
import { tableText, tablesBundle } from "../../display/table";
import type { Table } from "../../display/table";
import { DataError } from "../../errors";
import type { RuleName } from "./rules";

/** A cell as `ColumnarTable.value` gives it. */
export type CellValue = number | bigint | boolean | Date | string | null;

/** A row that broke a rule: its 0-based position in the table checked, and its values by column. */
export interface ExampleRow {
  readonly row: number;
  readonly values: Readonly<Record<string, CellValue>>;
}

/** One rule of one column, and the rows that broke it. */
export interface RuleViolation {
  readonly column: string;
  readonly rule: RuleName;
  /** What the breaking values are: "below the minimum -60", "not matching /^[A-Z]{2}$/". */
  readonly description: string;
  /** How many rows broke it. */
  readonly count: number;
  /** The first rows that broke it (up to the `examples` option). */
  readonly examples: readonly ExampleRow[];
}

/** Rows shown in an error message, and columns shown of each. */
const MESSAGE_ROWS = 3;
const SHOWN_COLUMNS = 8;
const SHOWN_CHARS = 60;

/**
 * The result of `checkSchema`: `ok` when every row matched. Display it in a
 * cell for a table of the violations and example rows.
 *
 * @example
 * ```ts
 * const { table, report } = await checkSchema(flights, { delay: { min: -60 } }, { source: "flights.parquet", onViolation: "quarantine", quarantine: "bad.csv" });
 * report.violations; // [{ column: "delay", rule: "min", count: 12, ... }]
 * report.quarantine; // { rows: 12, file: "/…/bad.csv" }
 * ```
 */
export class SchemaReport {
  /** The file or table checked, as named in the options. */
  readonly source: string;
  /** The rows checked. */
  readonly rows: number;
  /** The rows that broke at least one rule. */
  readonly badRows: number;
  /** The rules broken, in schema order; empty when every row matched. */
  readonly violations: readonly RuleViolation[];
  /** Where the bad rows went, when they were quarantined (the file is written even when there were none). */
  readonly quarantine: { readonly rows: number; readonly file: string } | undefined;

  constructor(fields: Pick<SchemaReport, "source" | "rows" | "badRows" | "violations" | "quarantine">) {
    this.source = fields.source;
    this.rows = fields.rows;
    this.badRows = fields.badRows;
    this.violations = fields.violations;
    this.quarantine = fields.quarantine;
  }

  /** Whether every row matched the schema. */
  get ok(): boolean {
    return this.violations.length === 0;
  }

  /** The violations counted over rules (a row breaking two rules counts twice). */
  get violationCount(): number {
    return this.violations.reduce((sum, v) => sum + v.count, 0);
  }

  toString(): string {
    return [summaryLine(this), ...this.violations.map((v) => `  ${violationLine(v)}`), ...quarantineLine(this)].join("\n");
  }

  [inspect.custom](): string {
    return this.tables().map(tableText).join("\n\n");
  }

  [MIME_BUNDLE](): MimeBundle {
    return tablesBundle(this.tables());
  }

  private tables(): Table[] {
    const summary: Table = {
      caption: `Schema check of ${this.source}`,
      header: ["column", "rule", "rows", "breaking", "example rows"],
      rows: this.violations.map((v) => [v.column, v.rule, v.count, v.description, v.examples.map((e) => e.row).join(", ")]),
      footer: [summaryLine(this), ...quarantineLine(this)].join("; "),
    };
    const rows = exampleRows(this.violations, Infinity);
    if (rows.length === 0) return [summary];
    const columns = shownColumns(this.violations, rows);
    const examples: Table = {
      caption: "Example rows (0-based positions)",
      header: ["row", "example of", ...columns],
      rows: rows.map((e) => [e.row, labelsOf(this.violations, e.row).join("; "), ...columns.map((c) => e.values[c] ?? null)]),
      indexColumns: 1,
    };
    return [summary, examples];
  }
}

/**
 * Rows broke a schema and the check was to fail: the message names the
 * source, each rule broken with its count and rows, example rows, and what
 * to do. `report` holds the details.
 */
export class SchemaViolationError extends DataError {
  readonly report: SchemaReport;
  constructor(report: SchemaReport) {
    super(violationMessage(report));
    this.report = report;
  }
}

function violationMessage(r: SchemaReport): string {
  const examples = exampleRows(r.violations, MESSAGE_ROWS);
  const columns = shownColumns(r.violations, examples);
  return [
    `${r.source} breaks its schema: ${r.badRows} of ${count(r.rows, "row")} break ${count(r.violations.length, "rule")}`,
    ...r.violations.map((v) => `  ${violationLine(v)}`),
    ...(examples.length === 0 ? [] : ["example rows (0-based):", ...examples.map((e) => `  row ${e.row}: ${rowText(e, columns)}`)]),
    'fix the data, widen the rule in the schema, or pass onViolation: "quarantine" with a quarantine file (quarantine: "bad-rows.csv") to keep the good rows and set the bad ones aside',
  ].join("\n");
}

function summaryLine(r: SchemaReport): string {
  if (r.ok) return `${r.source}: all ${count(r.rows, "row")} match the schema`;
  return `${r.source}: ${r.badRows} of ${count(r.rows, "row")} break the schema (${count(r.violationCount, "violation")} of ${count(r.violations.length, "rule")})`;
}

function quarantineLine(r: SchemaReport): string[] {
  return r.quarantine === undefined ? [] : [`${count(r.quarantine.rows, "row")} quarantined to ${r.quarantine.file}`];
}

function violationLine(v: RuleViolation): string {
  const rows = v.examples.map((e) => e.row);
  const more = v.count > rows.length ? ", ..." : "";
  const where = rows.length === 0 ? "" : ` (${rows.length === 1 && v.count === 1 ? "row" : "rows"} ${rows.join(", ")}${more})`;
  return `column ${JSON.stringify(v.column)}: ${count(v.count, "value")} ${v.description}${where}`;
}

/** The distinct example rows of all violations, in row order, at most `limit`. */
function exampleRows(violations: readonly RuleViolation[], limit: number): ExampleRow[] {
  const byRow = new Map<number, ExampleRow>();
  for (const v of violations) for (const e of v.examples) byRow.set(e.row, e);
  return [...byRow.values()].sort((a, b) => a.row - b.row).slice(0, limit);
}

/** The columns to show of example rows: the ones with violations first, then the others, at most SHOWN_COLUMNS. */
function shownColumns(violations: readonly RuleViolation[], rows: readonly ExampleRow[]): string[] {
  const all = Object.keys(rows[0]?.values ?? {});
  const broken = [...new Set(violations.map((v) => v.column))];
  return [...broken, ...all.filter((c) => !broken.includes(c))].slice(0, SHOWN_COLUMNS);
}

function labelsOf(violations: readonly RuleViolation[], row: number): string[] {
  return violations.filter((v) => v.examples.some((e) => e.row === row)).map((v) => `${v.column}: ${v.rule}`);
}

function rowText(e: ExampleRow, columns: readonly string[]): string {
  const cells = columns.map((c) => `${c}=${cellText(e.values[c] ?? null)}`);
  const hidden = Object.keys(e.values).length - columns.length;
  return cells.join(", ") + (hidden > 0 ? `, … (${count(hidden, "more column")})` : "");
}

function cellText(value: CellValue): string {
  const text = typeof value === "string" ? JSON.stringify(value) : formatValue(value);
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS - 1)}…` : text;
}
