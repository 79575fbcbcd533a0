import { DataError } from "../../errors";
import { finiteNumbers } from "./checks";
import { type OutputColumn, describeValue } from "./frame";
import { type ColumnInput, ColumnwiseTransformer, type FittedState, type TransformerJSON, expectNumbers } from "./transformer";

/** Options of {@link MinMaxScaler}. */
export interface MinMaxScalerOptions {
  /** The numeric columns to scale. */
  columns: string[];
  /** The range the fitted minimum and maximum map to. Default [0, 1]. */
  featureRange?: [number, number];
  /** Clip transformed values into featureRange (values outside the fitted range otherwise map outside it). Default false. */
  clip?: boolean;
}

/** What a MinMaxScaler learns: per column, in the order of `columns`. */
export interface MinMaxScalerState {
  dataMin: number[];
  dataMax: number[];
  /** x * scale + min maps [dataMin, dataMax] onto featureRange. */
  scale: number[];
  min: number[];
}

/**
 * A MinMaxScaler as plain data (what toJSON returns; transformerFromJSON reads it).
 *
 * @example
 * ```ts
 * const json = new MinMaxScaler({ columns: ["x"] }).fit(train).toJSON() as MinMaxScalerJSON;
 * ```
 */
export type MinMaxScalerJSON = TransformerJSON<"MinMaxScaler", Required<MinMaxScalerOptions>, FittedState<MinMaxScalerState>>;

/**
 * Scales numeric columns linearly so that the fitted minimum and maximum map
 * to `featureRange` (default [0, 1]), like scikit-learn's MinMaxScaler: a
 * constant column maps to the range's low end (0 by default). Output columns
 * are float32, in place of the input columns; the index is kept. A missing
 * value or a non-number is a DataError naming the column (use SimpleImputer).
 *
 * @example
 * ```ts
 * const scaler = new MinMaxScaler({ columns: ["Flipper Length (mm)"], featureRange: [-1, 1] });
 * const scaled = scaler.fitTransform(train);
 * ```
 */
export class MinMaxScaler extends ColumnwiseTransformer<Required<MinMaxScalerOptions>, MinMaxScalerState> {
  constructor(options: MinMaxScalerOptions) {
    const range = options?.featureRange ?? [0, 1];
    if (!Array.isArray(range) || range.length !== 2 || !range.every((v) => typeof v === "number" && Number.isFinite(v)) || !(range[0] < range[1])) {
      throw new DataError(`MinMaxScaler: invalid featureRange: ${describeValue(range)}; use two finite numbers, the low one first, such as [0, 1]`);
    }
    super("MinMaxScaler", { columns: options.columns, featureRange: [range[0], range[1]], clip: options.clip ?? false });
  }

  /** Rebuilds a MinMaxScaler from its JSON. */
  static fromJSON(json: MinMaxScalerJSON): MinMaxScaler {
    return new MinMaxScaler(json.params).restoreState(json.state);
  }

  /** The fitted minimum of each column. Throws if not fitted. */
  get dataMin(): Record<string, number> {
    const s = this.fittedState();
    return Object.fromEntries(this.columns.map((c, j) => [c, s.dataMin[j] as number]));
  }

  /** The fitted maximum of each column. Throws if not fitted. */
  get dataMax(): Record<string, number> {
    const s = this.fittedState();
    return Object.fromEntries(this.columns.map((c, j) => [c, s.dataMax[j] as number]));
  }

  protected learn(columns: readonly ColumnInput[], who: string): MinMaxScalerState {
    const [lo, hi] = this.params.featureRange;
    const state: MinMaxScalerState = { dataMin: [], dataMax: [], scale: [], min: [] };
    for (const column of columns) {
      const xs = finiteNumbers(column, who);
      let min = Infinity;
      let max = -Infinity;
      for (const x of xs) {
        if (x < min) min = x;
        if (x > max) max = x;
      }
      // scikit-learn's _handle_zeros_in_scale: a range within rounding of 0 counts as 1.
      const dataRange = max - min < 10 * Number.EPSILON ? 1 : max - min;
      const scale = (hi - lo) / dataRange;
      state.dataMin.push(min);
      state.dataMax.push(max);
      state.scale.push(scale);
      state.min.push(lo - min * scale);
    }
    return state;
  }

  protected apply(columns: readonly ColumnInput[], state: FittedState<MinMaxScalerState>, who: string): OutputColumn[][] {
    const [lo, hi] = this.params.featureRange;
    const clip = this.params.clip;
    return columns.map((column, j) => {
      const scale = state.scale[j] as number;
      const min = state.min[j] as number;
      const values = finiteNumbers(column, who).map((x) => {
        const y = x * scale + min;
        return clip ? Math.min(hi, Math.max(lo, y)) : y;
      });
      return [{ name: column.name, values, dtype: "float32" }];
    });
  }

  protected checkState(state: Record<string, unknown>, path: string): MinMaxScalerState {
    const n = this.columns.length;
    return {
      dataMin: expectNumbers(state.dataMin, `${path}.dataMin`, n),
      dataMax: expectNumbers(state.dataMax, `${path}.dataMax`, n),
      scale: expectNumbers(state.scale, `${path}.scale`, n),
      min: expectNumbers(state.min, `${path}.min`, n),
    };
  }
}
