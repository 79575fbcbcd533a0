import { finiteNumbers } from "./checks";
import type { OutputColumn } from "./frame";
import { meanOf } from "./stats";
import { type ColumnInput, ColumnwiseTransformer, type FittedState, type TransformerJSON, expectNumbers } from "./transformer";

/** Options of {@link StandardScaler}. */
export interface StandardScalerOptions {
  /** The numeric columns to scale. */
  columns: string[];
  /** Subtract the mean. Default true. */
  withMean?: boolean;
  /** Divide by the standard deviation. Default true. */
  withStd?: boolean;
}

/** What a StandardScaler learns: per column, in the order of `columns`. */
export interface StandardScalerState {
  mean: number[];
  /** The population standard deviation (ddof 0), or 1 for a constant column. */
  scale: number[];
  nSamples: number;
}

/**
 * A StandardScaler as plain data (what toJSON returns; transformerFromJSON reads it).
 *
 * @example
 * ```ts
 * const json = new StandardScaler({ columns: ["x"] }).fit(train).toJSON() as StandardScalerJSON;
 * ```
 */
export type StandardScalerJSON = TransformerJSON<"StandardScaler", Required<StandardScalerOptions>, FittedState<StandardScalerState>>;

/**
 * Standardizes numeric columns: `(x - mean) / std`, like scikit-learn's
 * StandardScaler, with the population standard deviation (ddof 0). A constant
 * column gets scale 1 (so it becomes 0), with scikit-learn's tolerance for
 * columns that are constant up to rounding. Output columns are float32, in
 * place of the input columns; the others pass through; the index is kept.
 *
 * A missing value (null, NaN) or a non-number in a scaled column, at fit or
 * at transform, is a DataError naming the column: fill it with SimpleImputer
 * first. Nothing silently becomes NaN.
 *
 * @example
 * ```ts
 * const scaler = new StandardScaler({ columns: ["Beak Length (mm)", "Body Mass (g)"] });
 * const trainScaled = scaler.fitTransform(train);
 * const testScaled = scaler.transform(test);
 * ```
 */
export class StandardScaler extends ColumnwiseTransformer<Required<StandardScalerOptions>, StandardScalerState> {
  constructor(options: StandardScalerOptions) {
    super("StandardScaler", { columns: options?.columns, withMean: options?.withMean ?? true, withStd: options?.withStd ?? true });
  }

  /** The learned means, by column. Throws if not fitted. */
  get mean(): Record<string, number> {
    const s = this.fittedState();
    return Object.fromEntries(this.columns.map((c, j) => [c, s.mean[j] as number]));
  }

  /** The learned scales (standard deviations, 1 for constant columns), by column. Throws if not fitted. */
  get scale(): Record<string, number> {
    const s = this.fittedState();
    return Object.fromEntries(this.columns.map((c, j) => [c, s.scale[j] as number]));
  }

  /** Rebuilds a StandardScaler from its JSON. */
  static fromJSON(json: StandardScalerJSON): StandardScaler {
    return new StandardScaler(json.params).restoreState(json.state);
  }

  protected learn(columns: readonly ColumnInput[], who: string): StandardScalerState {
    const mean: number[] = [];
    const scale: number[] = [];
    let nSamples = 0;
    for (const column of columns) {
      const xs = finiteNumbers(column, who);
      nSamples = xs.length;
      const m = meanOf(xs);
      let ss = 0;
      for (const x of xs) ss += (x - m) * (x - m);
      const variance = ss / xs.length;
      mean.push(m);
      scale.push(isConstant(variance, m, xs.length) ? 1 : Math.sqrt(variance));
    }
    return { mean, scale, nSamples };
  }

  protected apply(columns: readonly ColumnInput[], state: FittedState<StandardScalerState>, who: string): OutputColumn[][] {
    const { withMean, withStd } = this.params;
    return columns.map((column, j) => {
      const m = withMean ? (state.mean[j] as number) : 0;
      const s = withStd ? (state.scale[j] as number) : 1;
      const values = finiteNumbers(column, who).map((x) => (x - m) / s);
      return [{ name: column.name, values, dtype: "float32" }];
    });
  }

  protected checkState(state: Record<string, unknown>, path: string): StandardScalerState {
    const n = this.columns.length;
    const nSamples = expectNumbers([state.nSamples], `${path}.nSamples`)[0] as number;
    return { mean: expectNumbers(state.mean, `${path}.mean`, n), scale: expectNumbers(state.scale, `${path}.scale`, n), nSamples };
  }
}

/** scikit-learn's test for a constant feature: a variance below what rounding alone can produce. */
function isConstant(variance: number, mean: number, n: number): boolean {
  const eps = Number.EPSILON;
  const bound = n * eps * variance + (n * mean * eps) ** 2;
  return variance <= bound;
}
