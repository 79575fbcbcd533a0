import { inspect } from "node:util";
import { DataError } from "../../errors";
import {
  type Cell,
  type OutputColumn,
  checkColumnList,
  columnsOf,
  describeRow,
  dtypeFamily,
  dtypesOf,
  tableLike,
  quote,
  requireColumns,
  requireFrame,
  rowCount,
} from "./frame";
import type { Table } from "./frame";

/**
 * The kinds of transformer, as named in their JSON.
 *
 * @example
 * ```ts
 * const kind: TransformerKind = transformerFromJSON(json).kind; // "StandardScaler", ...
 * ```
 */
export type TransformerKind = "StandardScaler" | "MinMaxScaler" | "OneHotEncoder" | "SimpleImputer" | "LabelEncoder" | "ColumnTransformer";

/**
 * A transformer as plain data: what {@link Transformer.toJSON} returns and
 * {@link transformerFromJSON} reads. `state` is null until fitted; for the
 * transformers that act on given columns it holds the dtype of each column at
 * fit (`dtypes`, in the order of `params.columns`) and what was learned.
 */
export interface TransformerJSON<K extends TransformerKind = TransformerKind, P extends object = object, S extends object = object> {
  kind: K;
  params: P;
  state: S | null;
}

/**
 * What every transformer does, in the scikit-learn sense: `fit` learns from a
 * frame, `transform` applies what it learned to a frame (a new one: the input
 * is never changed), `fitTransform` does both on the same frame.
 *
 * @example
 * ```ts
 * const scaler: Transformer = new StandardScaler({ columns: ["Body Mass (g)"] });
 * const scaledTrain = scaler.fitTransform(train);
 * const scaledTest = scaler.transform(test);   // with the mean and std of train
 * const json = scaler.toJSON();                // plain data: { kind, params, state }
 * ```
 */
export interface Transformer {
  readonly kind: TransformerKind;
  /** The input columns it acts on. */
  readonly columns: readonly string[];
  /** Whether `fit` has run (or the transformer was rebuilt from a fitted JSON). */
  readonly fitted: boolean;
  /** Learns from `df` (a danfo DataFrame or a ColumnarTable); returns the transformer itself. Fitting again forgets what the last fit learned. */
  fit(df: Table): this;
  /** A new table of the same kind with the transformation applied; a danfo frame keeps its row index. */
  transform<T extends Table>(df: T): T;
  /** `fit(df)` then `transform(df)`. */
  fitTransform<T extends Table>(df: T): T;
  /** Kind, parameters and fitted state, as plain JSON data. */
  toJSON(): TransformerJSON;
}

/** Marks pipelab transformers; a registered symbol, so that two copies of pipelab recognize each other's. */
const BRAND = Symbol.for("pipelab.Transformer");

/**
 * Whether `value` is a pipelab transformer.
 *
 * @example
 * ```ts
 * isTransformer(new StandardScaler({ columns: ["x"] })); // true
 * ```
 */
export function isTransformer(value: unknown): value is Transformer {
  return value !== null && typeof value === "object" && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** What all transformers share: the brand, fitTransform, the not-fitted error and a readable inspect. */
export abstract class TransformerBase implements Transformer {
  readonly kind: TransformerKind;

  protected constructor(kind: TransformerKind) {
    this.kind = kind;
    Object.defineProperty(this, BRAND, { value: true });
  }

  abstract get columns(): readonly string[];
  abstract get fitted(): boolean;
  abstract fit(df: Table): this;
  abstract transform<T extends Table>(df: T): T;
  abstract toJSON(): TransformerJSON;

  fitTransform<T extends Table>(df: T): T {
    return this.fit(df).transform(df);
  }

  /** The error for using a transformer before fitting it. */
  protected notFitted(who: string = this.kind): DataError {
    return new DataError(`${who} is not fitted yet: call fit(df) or fitTransform(df) before transform(df)`);
  }

  /** What a notebook cell shows for a bare transformer. */
  [inspect.custom](): string {
    return `${this.kind} { columns: [${this.columns.map(quote).join(", ")}], ${this.fitted ? "fitted" : "not fitted"} }`;
  }
}

/** A column handed to a columnwise transformer: its name, values, dtype, and how to name a row in errors. */
export interface ColumnInput {
  readonly name: string;
  readonly values: readonly Cell[];
  readonly dtype: string;
  /** "row 3" or "row 3 (index label "a")". */
  row(position: number): string;
}

/**
 * The state of a fitted columnwise transformer: the dtype of each column at
 * fit (to refuse a column whose type changed), and what it learned.
 *
 * @example
 * ```ts
 * const state = scaler.toJSON().state; // { dtypes: ["float32"], mean: [...], scale: [...], nSamples: 250 }
 * ```
 */
export type FittedState<S extends object> = S & { dtypes: string[] };

/**
 * A transformer that acts on given columns, each on its own, and passes the
 * other columns through: it replaces each of its columns by its output
 * columns (one, or one per category for OneHotEncoder), in place.
 *
 * Strict about columns: transforming a frame that lacks a fitted column, or
 * whose column changed dtype family since fit (numbers, string, boolean:
 * int32 and float32 count as one family, since danfo infers either for the
 * same data), is a DataError naming the columns and the transformer.
 */
export abstract class ColumnwiseTransformer<P extends { columns: string[] }, S extends object> extends TransformerBase {
  protected readonly params: Readonly<P>;
  private state: FittedState<S> | undefined;

  protected constructor(kind: TransformerKind, params: P) {
    super(kind);
    const columns = checkColumnList((params as { columns?: unknown } | undefined)?.columns, kind);
    this.params = Object.freeze({ ...params, columns });
  }

  get columns(): readonly string[] {
    return this.params.columns;
  }

  get fitted(): boolean {
    return this.state !== undefined;
  }

  /** The learned state, or the not-fitted error. */
  protected fittedState(who: string = this.kind): FittedState<S> {
    if (this.state === undefined) throw this.notFitted(who);
    return this.state;
  }

  /** Learns the state from the columns (every one present, at least one row). */
  protected abstract learn(columns: readonly ColumnInput[], who: string): S;

  /** The output columns of each input column, in the order of `columns`. */
  protected abstract apply(columns: readonly ColumnInput[], state: FittedState<S>, who: string): OutputColumn[][];

  /** Checks a state read from JSON (the dtypes are checked already) and returns it typed. */
  protected abstract checkState(state: Record<string, unknown>, path: string): S;

  fit(df: Table): this {
    const who = `${this.kind}.fit`;
    // A failed refit must not leave the previous fit's state looking current.
    this.state = undefined;
    requireFrame(df, who);
    requireColumns(df, this.columns, who);
    if (rowCount(df) === 0) throw new DataError(`${who}: the frame has no rows to learn from`);
    const inputs = inputsOf(df, this.columns);
    const state = this.learn(inputs, this.kind);
    this.state = { ...state, dtypes: inputs.map((c) => c.dtype) };
    return this;
  }

  transform<T extends Table>(df: T): T {
    const outputs = this.outputColumns(df, this.kind);
    const byInput = new Map(this.columns.map((c, j) => [c, outputs[j] as OutputColumn[]]));
    const data = columnsOf(df);
    const dtypes = dtypesOf(df);
    const columns: OutputColumn[] = df.columns.flatMap((name) => byInput.get(name) ?? [{ name, values: data.get(name) ?? [], dtype: dtypes.get(name) ?? "undefined" }]);
    return tableLike(columns, df, this.kind);
  }

  /**
   * The output columns for `df`, grouped by input column, after the checks
   * (fitted, columns present, same dtype family). ColumnTransformer uses it.
   *
   * @internal
   */
  outputColumns(df: Table, who: string): OutputColumn[][] {
    const state = this.fittedState(who);
    requireFrame(df, `${who}.transform`);
    requireColumns(df, this.columns, `${who} cannot transform`, "fitted column");
    const inputs = inputsOf(df, this.columns);
    const changed = inputs.filter((c, j) => dtypeFamily(c.dtype) !== dtypeFamily(state.dtypes[j] ?? ""));
    if (changed.length > 0) {
      const list = changed.map((c) => `${quote(c.name)} was ${state.dtypes[this.columns.indexOf(c.name)]} at fit and is ${c.dtype} now`).join("; ");
      throw new DataError(`${who} cannot transform: ${list}; cast the column${changed.length > 1 ? "s" : ""} back with castColumns(df, { ... })`);
    }
    return this.apply(inputs, state, who);
  }

  toJSON(): TransformerJSON<TransformerKind, P, FittedState<S>> {
    return { kind: this.kind, params: structuredClone(this.params) as P, state: this.state === undefined ? null : structuredClone(this.state) };
  }

  /**
   * Sets the fitted state from JSON, after checking it.
   *
   * @internal
   */
  restoreState(raw: unknown, path = "state"): this {
    if (raw === null || raw === undefined) {
      this.state = undefined;
      return this;
    }
    const obj = expectRecord(raw, path);
    const dtypes = expectArray(obj.dtypes, `${path}.dtypes`, this.columns.length);
    if (dtypes.some((d) => typeof d !== "string")) throw invalidJson(`${path}.dtypes`, "must hold strings (danfo dtypes)");
    const state = this.checkState(obj, path);
    this.state = { ...structuredClone(state), dtypes: [...(dtypes as string[])] };
    return this;
  }
}

function inputsOf(df: Table, columns: readonly string[]): ColumnInput[] {
  const data = columnsOf(df);
  const dtypes = dtypesOf(df);
  const row = (position: number): string => describeRow(df, position);
  return columns.map((name) => ({ name, values: data.get(name) ?? [], dtype: dtypes.get(name) ?? "undefined", row }));
}

// ---------------------------------------------------------------------------
// Checking JSON read back: short errors that name the path.

export function invalidJson(path: string, why: string): DataError {
  return new DataError(`invalid transformer JSON: ${path} ${why}`);
}

export function expectRecord(value: unknown, path: string): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw invalidJson(path, "must be an object");
  return value as Record<string, unknown>;
}

export function expectArray(value: unknown, path: string, length?: number): unknown[] {
  if (!Array.isArray(value)) throw invalidJson(path, "must be an array");
  if (length !== undefined && value.length !== length) throw invalidJson(path, `must have ${length} elements (one per column), not ${value.length}`);
  return value;
}

export function expectNumbers(value: unknown, path: string, length?: number): number[] {
  const arr = expectArray(value, path, length);
  if (arr.some((v) => typeof v !== "number" || !Number.isFinite(v))) throw invalidJson(path, "must hold finite numbers");
  return arr as number[];
}

/** Category-like values: strings, finite numbers, booleans. */
export function expectCells(value: unknown, path: string, length?: number): Cell[] {
  const arr = expectArray(value, path, length);
  if (arr.some((v) => !(typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v))))) {
    throw invalidJson(path, "must hold strings, finite numbers or booleans");
  }
  return arr;
}
