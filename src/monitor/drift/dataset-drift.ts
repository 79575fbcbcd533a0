import { isColumnarTable } from "../../data";
import type { ColumnarTable } from "../../data";
import { DataError } from "../../errors";
import { driftOfSamples, normalizeColumnOptions } from "./column-drift";
import type { ColumnDrift } from "./column-drift";
import type { DriftKind, DriftMethod } from "./kinds";
import { sampleOfColumn } from "./samples";
import { withDisplay } from "./display";

export interface DatasetDriftOptions {
  /** The columns to test; by default every column of the reference but timestamps (Evidently leaves datetimes out). */
  readonly columns?: readonly string[];
  /** The data set drifts when at least this share of the tested columns drift (Evidently's drift_share, 0.5). */
  readonly share?: number;
  /** A method for some columns, by name ("auto" or left out: Evidently's choice). */
  readonly methods?: Readonly<Record<string, "auto" | DriftMethod>>;
  /** A threshold for some columns, by name. */
  readonly thresholds?: Readonly<Record<string, number>>;
  /** A kind for some columns, by name (by default from the dtype, as `columnDrift` says). */
  readonly kinds?: Readonly<Record<string, DriftKind>>;
}

/** One column's result within a data set. */
export interface DatasetColumnDrift extends ColumnDrift {
  readonly column: string;
}

/** What `datasetDrift` found. */
export interface DatasetDrift {
  /** Each tested column, in the order asked for. */
  readonly columns: readonly DatasetColumnDrift[];
  /** The columns that drifted. */
  readonly driftedColumns: number;
  /** The columns that could be tested: those with values on both sides (an empty column is reported, not counted). */
  readonly testedColumns: number;
  /** driftedColumns / testedColumns (0 when none could be tested). */
  readonly driftedShare: number;
  /** The share at which the data set drifts. */
  readonly share: number;
  readonly drifted: boolean;
  readonly referenceRows: number;
  readonly currentRows: number;
}

/**
 * Whether a data set drifted: each column tested as `columnDrift` does
 * (Evidently's default tests; the kind from the column's dtype: text,
 * category and bool columns categorical, int32/int64 columns categorical
 * with at most 5 distinct reference values, floats numeric), and the data
 * set drifted when at least half of its columns did (Evidently's
 * DatasetDriftMetric).
 *
 * @example
 * ```ts
 * const report = datasetDrift(trainTable, todayTable);
 * report.drifted;                                   // true when >= 50% of the columns drifted
 * report.columns.filter((c) => c.drifted).map((c) => c.column);
 * datasetDrift(trainTable, todayTable, { columns: ["age", "city"], methods: { age: "psi" }, share: 0.3 });
 * ```
 */
export function datasetDrift(reference: ColumnarTable, current: ColumnarTable, options: DatasetDriftOptions = {}): DatasetDrift {
  if (!isColumnarTable(reference)) throw new DataError(`datasetDrift: the reference must be a ColumnarTable, not ${describe(reference)}; ColumnarTable.fromColumns({...}) makes one`);
  if (!isColumnarTable(current)) throw new DataError(`datasetDrift: the current data must be a ColumnarTable, not ${describe(current)}; ColumnarTable.fromColumns({...}) makes one`);
  const share = options.share ?? 0.5;
  if (typeof share !== "number" || !(share >= 0 && share <= 1)) throw new DataError(`datasetDrift: invalid share ${String(share)}: pass a number from 0 to 1`);
  const names = options.columns ?? reference.columns.filter((name) => reference.dtypes[name] !== "timestamp");
  for (const name of [...Object.keys(options.methods ?? {}), ...Object.keys(options.thresholds ?? {}), ...Object.keys(options.kinds ?? {})]) {
    if (!names.includes(name)) throw new DataError(`datasetDrift: an option names column ${JSON.stringify(name)}, which is not among the columns tested (${names.join(", ")})`);
  }
  for (const name of names) {
    if (!reference.columns.includes(name)) throw new DataError(`datasetDrift: column ${JSON.stringify(name)} is not in the reference, whose columns are ${reference.columns.join(", ")}`);
    if (!current.columns.includes(name)) throw new DataError(`datasetDrift: column ${JSON.stringify(name)} is missing from the current data: add it, or leave it out with the columns option`);
  }
  const columns = names.map((column): DatasetColumnDrift => {
    const where = `datasetDrift, column ${JSON.stringify(column)}`;
    const chosen = normalizeColumnOptions({ method: options.methods?.[column], threshold: options.thresholds?.[column], kind: options.kinds?.[column] }, where);
    try {
      return { column, ...driftOfSamples(sampleOfColumn(reference, column), sampleOfColumn(current, column), chosen) };
    } catch (error) {
      if (error instanceof DataError) throw new DataError(`${where}: ${error.message}`, { cause: error });
      throw error;
    }
  });
  const tested = columns.filter((c) => c.empty === undefined);
  const driftedColumns = tested.filter((c) => c.drifted).length;
  const driftedShare = tested.length === 0 ? 0 : driftedColumns / tested.length;
  return withDisplay({
    columns,
    driftedColumns,
    testedColumns: tested.length,
    driftedShare,
    share,
    drifted: tested.length > 0 && driftedShare >= share,
    referenceRows: reference.rows,
    currentRows: current.rows,
  });
}

function describe(value: unknown): string {
  return value === null || typeof value !== "object" ? String(value) : Object.prototype.toString.call(value);
}
