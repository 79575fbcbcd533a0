import { DataError } from "../../errors";
import { type Cell, type OutputColumn, compareValues, describeValue, dtypeFamily, isMissing, quote } from "./frame";
import { meanOf, medianOf } from "./stats";
import { type ColumnInput, ColumnwiseTransformer, type FittedState, type TransformerJSON, expectArray, invalidJson } from "./transformer";

/** How SimpleImputer picks the value that replaces a column's missing values. */
export type ImputeStrategy = "mean" | "median" | "most_frequent" | "constant";

const STRATEGIES: readonly ImputeStrategy[] = ["mean", "median", "most_frequent", "constant"];

/** Options of {@link SimpleImputer}. */
export interface SimpleImputerOptions {
  /** The columns to fill. */
  columns: string[];
  /** Default "mean". mean and median need numeric columns; most_frequent and constant take any. */
  strategy?: ImputeStrategy;
  /**
   * The value for strategy "constant", of the column's type. Default, as in
   * scikit-learn: 0 for numeric columns, "missing_value" for string columns
   * (boolean columns need one).
   */
  fillValue?: string | number | boolean;
}

/** The parameters of a SimpleImputer, as in its JSON. */
export interface SimpleImputerParams {
  columns: string[];
  strategy: ImputeStrategy;
  fillValue: string | number | boolean | null;
}

/** What a SimpleImputer learns: the fill value of each column, in the order of `columns`. */
export interface SimpleImputerState {
  statistics: (string | number | boolean)[];
}

/**
 * A SimpleImputer as plain data (what toJSON returns; transformerFromJSON reads it).
 *
 * @example
 * ```ts
 * const json = new SimpleImputer({ columns: ["x"] }).fit(train).toJSON() as SimpleImputerJSON;
 * ```
 */
export type SimpleImputerJSON = TransformerJSON<"SimpleImputer", SimpleImputerParams, FittedState<SimpleImputerState>>;

/**
 * Fills missing values (null, undefined, NaN) of given columns, like
 * scikit-learn's SimpleImputer: with the column's mean, median, most frequent
 * value (ties go to the smallest value, as in scikit-learn) or a constant,
 * learned at fit. Numeric columns come out float32, string and boolean
 * columns keep their dtype; the other columns pass through and the index is
 * kept. A column with no value at fit (all missing) is a DataError, except
 * with strategy "constant".
 *
 * @example
 * ```ts
 * const imputer = new SimpleImputer({ columns: ["Body Mass (g)"], strategy: "median" });
 * const filled = imputer.fitTransform(penguins);
 * new SimpleImputer({ columns: ["Sex"], strategy: "most_frequent" }).fitTransform(penguins);
 * ```
 */
export class SimpleImputer extends ColumnwiseTransformer<SimpleImputerParams, SimpleImputerState> {
  constructor(options: SimpleImputerOptions) {
    const strategy = options?.strategy ?? "mean";
    if (!STRATEGIES.includes(strategy)) {
      throw new DataError(`SimpleImputer: invalid strategy: ${describeValue(strategy)}; use one of ${STRATEGIES.map(quote).join(", ")}`);
    }
    const fillValue = options?.fillValue ?? null;
    if (fillValue !== null && !(typeof fillValue === "string" || typeof fillValue === "boolean" || (typeof fillValue === "number" && Number.isFinite(fillValue)))) {
      throw new DataError(`SimpleImputer: invalid fillValue: ${describeValue(fillValue)}; use a string, a finite number or a boolean`);
    }
    if (fillValue !== null && strategy !== "constant") {
      throw new DataError(`SimpleImputer: fillValue is for strategy "constant", not ${quote(strategy)}; drop fillValue or use strategy: "constant"`);
    }
    super("SimpleImputer", { columns: options?.columns, strategy, fillValue });
  }

  /** Rebuilds a SimpleImputer from its JSON. */
  static fromJSON(json: SimpleImputerJSON): SimpleImputer {
    const p = json.params;
    return new SimpleImputer({ columns: p.columns, strategy: p.strategy, ...(p.fillValue === null ? {} : { fillValue: p.fillValue }) }).restoreState(json.state);
  }

  /** The value that fills each column. Throws if not fitted. */
  get statistics(): Record<string, string | number | boolean> {
    const s = this.fittedState();
    return Object.fromEntries(this.columns.map((c, j) => [c, s.statistics[j] as string | number | boolean]));
  }

  protected learn(columns: readonly ColumnInput[], who: string): SimpleImputerState {
    const { strategy, fillValue } = this.params;
    const statistics = columns.map((column) => {
      const family = dtypeFamily(column.dtype);
      const present = checkedPresent(column, who);
      if (strategy === "constant") {
        const value = fillValue ?? (family === "numeric" ? 0 : family === "string" ? "missing_value" : null);
        if (value === null) throw new DataError(`${who}: strategy "constant" needs a fillValue for the ${column.dtype} column ${quote(column.name)}`);
        const expected = family === "numeric" ? "number" : family === "string" || family === "boolean" ? family : typeof value;
        if (typeof value !== expected) {
          throw new DataError(`${who}: fillValue ${describeValue(value)} does not suit the ${column.dtype} column ${quote(column.name)}; use a ${expected}`);
        }
        return value;
      }
      if (present.length === 0) {
        throw new DataError(`${who}: the column ${quote(column.name)} has no values to compute the ${strategy.replace("_", " ")} from; use strategy "constant" or drop the column`);
      }
      if (strategy === "most_frequent") return mostFrequent(present);
      if (family !== "numeric") {
        throw new DataError(`${who}: strategy ${quote(strategy)} needs a numeric column, and ${quote(column.name)} is ${column.dtype}; use "most_frequent" or "constant"`);
      }
      const xs = present as number[];
      return strategy === "mean" ? meanOf(xs) : medianOf(xs);
    });
    return { statistics };
  }

  protected apply(columns: readonly ColumnInput[], state: FittedState<SimpleImputerState>, who: string): OutputColumn[][] {
    return columns.map((column, j) => {
      checkedPresent(column, who);
      const fill = state.statistics[j] as Cell;
      const family = dtypeFamily(column.dtype);
      const values = column.values.map((v) => (isMissing(v) ? fill : v));
      const dtype = family === "numeric" ? "float32" : column.dtype;
      return [{ name: column.name, values, dtype }];
    });
  }

  protected checkState(state: Record<string, unknown>, path: string): SimpleImputerState {
    const statistics = expectArray(state.statistics, `${path}.statistics`, this.columns.length);
    if (statistics.some((v) => !(typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v))))) {
      throw invalidJson(`${path}.statistics`, "must hold strings, finite numbers or booleans");
    }
    return { statistics: statistics as (string | number | boolean)[] };
  }
}

/** The non-missing values; in a numeric column they must be finite numbers. */
function checkedPresent(column: ColumnInput, who: string): Cell[] {
  const numeric = dtypeFamily(column.dtype) === "numeric";
  const present: Cell[] = [];
  column.values.forEach((v, i) => {
    if (isMissing(v)) return;
    if (numeric && !(typeof v === "number" && Number.isFinite(v))) {
      throw new DataError(
        `${who}: the ${column.dtype} column ${quote(column.name)} holds ${describeValue(v)} at ${column.row(i)}, not a number; ` +
          `cast it with castColumns(df, { ${quote(column.name)}: "float32" })`,
      );
    }
    present.push(v);
  });
  return present;
}

/** The most frequent value; ties go to the smallest (as scikit-learn's SimpleImputer). */
function mostFrequent(values: readonly Cell[]): string | number | boolean {
  const counts = new Map<Cell, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: Cell;
  let bestCount = 0;
  for (const [v, n] of counts) {
    if (n > bestCount || (n === bestCount && compareValues(v, best) < 0)) {
      best = v;
      bestCount = n;
    }
  }
  return best as string | number | boolean;
}
