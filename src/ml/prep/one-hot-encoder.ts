import { DataError } from "../../errors";
import { presentValues } from "./checks";
import { type Cell, type OutputColumn, describeValue, quote, sortedUnique } from "./frame";
import { type ColumnInput, ColumnwiseTransformer, type FittedState, type TransformerJSON, expectArray, expectCells, invalidJson } from "./transformer";

/** Options of {@link OneHotEncoder}. */
export interface OneHotEncoderOptions {
  /** The categorical columns to encode (strings, numbers or booleans). */
  columns: string[];
  /** A category not seen at fit: "ignore" (default: all its columns are 0, as in scikit-learn) or "error". */
  handleUnknown?: "error" | "ignore";
  /** "first": leave out the column of each input's first category (a column with one category then vanishes). */
  drop?: "first";
}

/** The parameters of a OneHotEncoder, as in its JSON. */
export interface OneHotEncoderParams {
  columns: string[];
  handleUnknown: "error" | "ignore";
  drop: "first" | null;
}

/** What a OneHotEncoder learns: the sorted categories of each column, in the order of `columns`. */
export interface OneHotEncoderState {
  categories: Cell[][];
}

/**
 * A OneHotEncoder as plain data (what toJSON returns; transformerFromJSON reads it).
 *
 * @example
 * ```ts
 * const json = new OneHotEncoder({ columns: ["Island"] }).fit(train).toJSON() as OneHotEncoderJSON;
 * ```
 */
export type OneHotEncoderJSON = TransformerJSON<"OneHotEncoder", OneHotEncoderParams, FittedState<OneHotEncoderState>>;

/**
 * Encodes categorical columns as one 0/1 column per category, like
 * scikit-learn's OneHotEncoder. Each input column is replaced, in place, by
 * columns named `${column}=${category}` (float32), the categories sorted
 * (booleans, then numbers, then strings by code unit, as numpy sorts); the
 * other columns pass through and the index is kept.
 *
 * A category unseen at fit gives all zeros (`handleUnknown: "ignore"`, the
 * default) or a DataError naming it (`"error"`). A missing value is a
 * DataError: fill it first with SimpleImputer (most_frequent or constant).
 *
 * @example
 * ```ts
 * const enc = new OneHotEncoder({ columns: ["Island"] });
 * enc.fitTransform(train).columns; // [..., "Island=Biscoe", "Island=Dream", "Island=Torgersen", ...]
 * ```
 */
export class OneHotEncoder extends ColumnwiseTransformer<OneHotEncoderParams, OneHotEncoderState> {
  constructor(options: OneHotEncoderOptions) {
    const handleUnknown = options?.handleUnknown ?? "ignore";
    if (handleUnknown !== "error" && handleUnknown !== "ignore") {
      throw new DataError(`OneHotEncoder: invalid handleUnknown: ${describeValue(handleUnknown)}; use "ignore" or "error"`);
    }
    const drop = options?.drop ?? null;
    if (drop !== null && drop !== "first") throw new DataError(`OneHotEncoder: invalid drop: ${describeValue(drop)}; use "first" or leave it out`);
    super("OneHotEncoder", { columns: options?.columns, handleUnknown, drop });
  }

  /** Rebuilds a OneHotEncoder from its JSON. */
  static fromJSON(json: OneHotEncoderJSON): OneHotEncoder {
    const p = json.params;
    return new OneHotEncoder({ columns: p.columns, handleUnknown: p.handleUnknown, ...(p.drop === null ? {} : { drop: p.drop }) }).restoreState(json.state);
  }

  /** The sorted categories of each column. Throws if not fitted. */
  get categories(): Record<string, Cell[]> {
    const s = this.fittedState();
    return Object.fromEntries(this.columns.map((c, j) => [c, [...(s.categories[j] as Cell[])]]));
  }

  /** The names of the output columns, in order. Throws if not fitted. */
  get outputNames(): string[] {
    const s = this.fittedState();
    return this.columns.flatMap((c, j) => this.kept(s.categories[j] as Cell[]).map((cat) => `${c}=${String(cat)}`));
  }

  protected learn(columns: readonly ColumnInput[], who: string): OneHotEncoderState {
    return { categories: columns.map((column) => sortedUnique(presentValues(column, who))) };
  }

  protected apply(columns: readonly ColumnInput[], state: FittedState<OneHotEncoderState>, who: string): OutputColumn[][] {
    return columns.map((column, j) => {
      const categories = state.categories[j] as Cell[];
      const kept = this.kept(categories);
      const position = new Map(kept.map((cat, k) => [cat, k]));
      const known = new Set(categories);
      const values = presentValues(column, who);
      const outputs = kept.map(() => new Array<number>(values.length).fill(0));
      values.forEach((v, i) => {
        const k = position.get(v);
        if (k !== undefined) (outputs[k] as number[])[i] = 1;
        else if (!known.has(v) && this.params.handleUnknown === "error") {
          throw new DataError(
            `${who}: the column ${quote(column.name)} holds the category ${describeValue(v)} at ${column.row(i)}, unseen at fit ` +
              `(known: ${categories.map(describeValue).join(", ")}); fit on data that has it, or use handleUnknown: "ignore"`,
          );
        }
      });
      return kept.map((cat, k) => ({ name: `${column.name}=${String(cat)}`, values: outputs[k] as number[], dtype: "float32" }));
    });
  }

  protected checkState(state: Record<string, unknown>, path: string): OneHotEncoderState {
    const categories = expectArray(state.categories, `${path}.categories`, this.columns.length).map((c, j) => {
      const cats = expectCells(c, `${path}.categories[${j}]`);
      if (cats.length === 0) throw invalidJson(`${path}.categories[${j}]`, "must not be empty");
      return cats;
    });
    return { categories };
  }

  /** The categories that get a column: all, or all but the first. */
  private kept(categories: readonly Cell[]): Cell[] {
    return this.params.drop === "first" ? categories.slice(1) : [...categories];
  }
}
