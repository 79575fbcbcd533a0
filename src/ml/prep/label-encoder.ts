import type { Series } from "danfojs-node";
import { DataError } from "../../errors";
import { presentValues } from "./checks";
import { type Cell, type OutputColumn, describeType, describeValue, quote, sortedUnique } from "./frame";
import { type ColumnInput, ColumnwiseTransformer, type FittedState, type TransformerJSON, expectCells, invalidJson } from "./transformer";

/** Options of {@link LabelEncoder}. */
export interface LabelEncoderOptions {
  /** The one column of labels to encode (strings, numbers or booleans). */
  column: string;
}

/** The parameters of a LabelEncoder, as in its JSON: `columns` holds its one column. */
export interface LabelEncoderParams {
  columns: string[];
}

/** What a LabelEncoder learns: the sorted classes; a label's code is its position. */
export interface LabelEncoderState {
  classes: Cell[];
}

/**
 * A LabelEncoder as plain data (what toJSON returns; transformerFromJSON reads it).
 *
 * @example
 * ```ts
 * const json = new LabelEncoder({ column: "Species" }).fit(train).toJSON() as LabelEncoderJSON;
 * ```
 */
export type LabelEncoderJSON = TransformerJSON<"LabelEncoder", LabelEncoderParams, FittedState<LabelEncoderState>>;

/**
 * Encodes one column of labels as integer codes 0..k-1, in the sorted order
 * of the classes seen at fit (booleans, then numbers, then strings by code
 * unit), like scikit-learn's LabelEncoder. `transform` replaces the column by
 * its codes (float32, whole numbers: what tfjs wants for labels); the other
 * columns pass through and the index is kept. A label unseen at fit, or a
 * missing one, is a DataError naming it.
 *
 * @example
 * ```ts
 * const species = new LabelEncoder({ column: "Species" }).fit(train);
 * species.classes;                    // ["Adelie", "Chinstrap", "Gentoo"]
 * const coded = species.transform(test);
 * species.inverseTransform([2, 0]);   // ["Gentoo", "Adelie"]
 * ```
 */
export class LabelEncoder extends ColumnwiseTransformer<LabelEncoderParams, LabelEncoderState> {
  constructor(options: LabelEncoderOptions) {
    const column = options?.column;
    if (typeof column !== "string") throw new DataError(`LabelEncoder: column must be a column name, got ${describeValue(column)}`);
    super("LabelEncoder", { columns: [column] });
  }

  /** Rebuilds a LabelEncoder from its JSON. */
  static fromJSON(json: LabelEncoderJSON): LabelEncoder {
    const columns = json.params?.columns;
    if (!Array.isArray(columns) || columns.length !== 1) throw invalidJson("params.columns", "must hold exactly one column name");
    return new LabelEncoder({ column: columns[0] as string }).restoreState(json.state);
  }

  /** The column it encodes. */
  get column(): string {
    return this.columns[0] as string;
  }

  /** The classes seen at fit, sorted: the code of `classes[k]` is k. Throws if not fitted. */
  get classes(): Cell[] {
    return [...this.fittedState().classes];
  }

  /**
   * The labels of codes (an array, a typed array such as a tensor's
   * `dataSync()`, or a danfo Series). A code that is not a whole number in
   * 0..k-1 is a DataError.
   */
  inverseTransform(codes: ArrayLike<number> | Series): Cell[] {
    const who = "LabelEncoder.inverseTransform";
    const classes = this.fittedState(who).classes;
    const list = codeList(codes, who);
    return list.map((code, i) => {
      if (typeof code !== "number" || !Number.isInteger(code) || code < 0 || code >= classes.length) {
        throw new DataError(`${who}: code ${i} is ${describeValue(code)}; codes are whole numbers from 0 to ${classes.length - 1} (the ${classes.length} classes)`);
      }
      return classes[code];
    });
  }

  protected learn(columns: readonly ColumnInput[], who: string): LabelEncoderState {
    return { classes: sortedUnique(presentValues(columns[0] as ColumnInput, who)) };
  }

  protected apply(columns: readonly ColumnInput[], state: FittedState<LabelEncoderState>, who: string): OutputColumn[][] {
    const column = columns[0] as ColumnInput;
    const codes = new Map(state.classes.map((c, k) => [c, k]));
    const values = presentValues(column, who).map((v, i) => {
      const code = codes.get(v);
      if (code === undefined) {
        throw new DataError(
          `${who}: the label ${describeValue(v)} of ${quote(column.name)} at ${column.row(i)} was not seen at fit ` +
            `(classes: ${state.classes.map(describeValue).join(", ")}); fit on data that has it, or drop those rows`,
        );
      }
      return code;
    });
    return [[{ name: column.name, values, dtype: "float32" }]];
  }

  protected checkState(state: Record<string, unknown>, path: string): LabelEncoderState {
    const classes = expectCells(state.classes, `${path}.classes`);
    if (classes.length === 0) throw invalidJson(`${path}.classes`, "must not be empty");
    return { classes };
  }
}

function codeList(codes: ArrayLike<number> | Series, who: string): unknown[] {
  if (Array.isArray(codes)) return codes;
  if (ArrayBuffer.isView(codes)) return Array.from(codes as ArrayLike<number>);
  const values = (codes as { values?: unknown } | null)?.values;
  if (Array.isArray(values)) return values;
  throw new DataError(`${who}: expects an array of codes or a danfo Series, got ${describeType(codes)}`);
}
