import { inspect } from "node:util";
import type { DataFrame } from "danfojs-node";
import { DataError } from "../../errors";
import { type OutputColumn, type Table, columnsOf, describeValue, dtypesOf, quote, quoteList, requireFrame, tableLike } from "./frame";
import {
  ColumnwiseTransformer,
  type Transformer,
  TransformerBase,
  type TransformerJSON,
  expectArray,
  expectRecord,
  invalidJson,
} from "./transformer";

/** A step of a ColumnTransformer: a name, and a transformer that knows its columns. */
export type NamedTransformer = readonly [name: string, transformer: Transformer];

/** Options of {@link ColumnTransformer}. */
export interface ColumnTransformerOptions {
  /** The columns no step names: "passthrough" (default) keeps them after the steps' outputs, "drop" leaves them out. */
  remainder?: "drop" | "passthrough";
}

/** The parameters of a ColumnTransformer, as in its JSON: each step with its own JSON (fitted state included). */
export interface ColumnTransformerParams {
  remainder: "drop" | "passthrough";
  transformers: [string, TransformerJSON][];
}

/** What a ColumnTransformer learns besides its steps: the columns of the fit frame, and which of them are the remainder. */
export interface ColumnTransformerState {
  inputColumns: string[];
  remainderColumns: string[];
}

/**
 * A ColumnTransformer as plain data, its steps' JSON inside `params.transformers`.
 *
 * @example
 * ```ts
 * const json = prep.toJSON() as ColumnTransformerJSON;
 * json.params.transformers.map(([name, step]) => `${name}: ${step.kind}`);
 * ```
 */
export type ColumnTransformerJSON = TransformerJSON<"ColumnTransformer", ColumnTransformerParams, ColumnTransformerState>;

/**
 * Applies each of its steps to its own columns and puts the results side by
 * side, like scikit-learn's ColumnTransformer.
 *
 * **Output columns, in order:** the outputs of each step, in the order of the
 * steps (within a step, in the order of its `columns`, a OneHotEncoder's
 * column expanding to its category columns), then, with `remainder:
 * "passthrough"` (the default), the columns no step names, in the order they
 * had in the frame given to `fit`. The index of the input is kept.
 *
 * A column may belong to one step only (chain transformers by hand to impute
 * then scale the same column). Strict about columns: transforming a frame
 * that lacks a column seen at fit, or (with "passthrough") has a column not
 * seen at fit, is a DataError naming them. `fit` fits the given transformer
 * objects themselves; `named(name)` returns one.
 *
 * @example
 * ```ts
 * const prep = new ColumnTransformer([
 *   ["numbers", new StandardScaler({ columns: ["Beak Length (mm)", "Body Mass (g)"] })],
 *   ["islands", new OneHotEncoder({ columns: ["Island"] })],
 * ], { remainder: "passthrough" });
 * const x = prep.fitTransform(train);   // scaled, then Island=..., then Species, Sex, ...
 * const xTest = prep.transform(test);
 * ```
 */
export class ColumnTransformer extends TransformerBase {
  readonly remainder: "drop" | "passthrough";
  private readonly steps: readonly (readonly [string, ColumnwiseTransformer<{ columns: string[] }, object>])[];
  private state: ColumnTransformerState | undefined;

  constructor(transformers: readonly NamedTransformer[], options: ColumnTransformerOptions = {}) {
    super("ColumnTransformer");
    const remainder = options?.remainder ?? "passthrough";
    if (remainder !== "drop" && remainder !== "passthrough") {
      throw new DataError(`ColumnTransformer: invalid remainder: ${describeValue(remainder)}; use "passthrough" or "drop"`);
    }
    this.remainder = remainder;
    if (!Array.isArray(transformers) || transformers.length === 0) {
      throw new DataError(`ColumnTransformer needs a list of [name, transformer] steps, such as [["scale", new StandardScaler({ columns: ["x"] })]]`);
    }
    const names = new Set<string>();
    const owner = new Map<string, string>();
    this.steps = transformers.map((step, i) => {
      if (!Array.isArray(step) || step.length !== 2 || typeof step[0] !== "string" || step[0] === "") {
        throw new DataError(`ColumnTransformer: step ${i} must be a [name, transformer] pair with a non-empty name, got ${describeValue(step)}`);
      }
      const [name, transformer] = step;
      if (names.has(name)) throw new DataError(`ColumnTransformer: two steps are named ${quote(name)}; give each step its own name`);
      names.add(name);
      if (transformer instanceof ColumnTransformer) {
        throw new DataError(`ColumnTransformer: step ${quote(name)} is itself a ColumnTransformer; list its steps in the outer one instead`);
      }
      if (!(transformer instanceof ColumnwiseTransformer)) {
        throw new DataError(`ColumnTransformer: step ${quote(name)} is ${describeValue(transformer)}, not a pipelab transformer (StandardScaler, OneHotEncoder, ...)`);
      }
      for (const column of transformer.columns) {
        const other = owner.get(column);
        if (other !== undefined) {
          throw new DataError(`ColumnTransformer: the column ${quote(column)} belongs to steps ${quote(other)} and ${quote(name)}; a column may belong to one step only`);
        }
        owner.set(column, name);
      }
      return [name, transformer as ColumnwiseTransformer<{ columns: string[] }, object>] as const;
    });
  }

  /**
   * Rebuilds a ColumnTransformer from its JSON; `stepFromJSON` rebuilds each
   * step (transformerFromJSON passes itself).
   */
  static fromJSON(json: ColumnTransformerJSON, stepFromJSON: (json: unknown) => Transformer): ColumnTransformer {
    const params = expectRecord(json.params, "params");
    const steps = expectArray(params.transformers, "params.transformers").map((step, i): NamedTransformer => {
      const pair = expectArray(step, `params.transformers[${i}]`, 2);
      if (typeof pair[0] !== "string") throw invalidJson(`params.transformers[${i}][0]`, "must be the step's name");
      return [pair[0], stepFromJSON(pair[1])];
    });
    const ct = new ColumnTransformer(steps, { remainder: params.remainder as "drop" | "passthrough" });
    if (json.state !== null && json.state !== undefined) {
      const state = expectRecord(json.state, "state");
      const inputColumns = expectArray(state.inputColumns, "state.inputColumns");
      const remainderColumns = expectArray(state.remainderColumns, "state.remainderColumns");
      if (![...inputColumns, ...remainderColumns].every((c) => typeof c === "string")) throw invalidJson("state", "column lists must hold strings");
      const unfitted = ct.steps.filter(([, t]) => !t.fitted).map(([n]) => n);
      if (unfitted.length > 0) throw invalidJson("state", `is fitted but the step(s) ${quoteList(unfitted)} are not`);
      ct.state = { inputColumns: inputColumns as string[], remainderColumns: remainderColumns as string[] };
    }
    return ct;
  }

  /** The columns its steps act on, step by step. */
  get columns(): readonly string[] {
    return this.steps.flatMap(([, t]) => t.columns);
  }

  get fitted(): boolean {
    return this.state !== undefined && this.steps.every(([, t]) => t.fitted);
  }

  /** The steps, as [name, transformer] pairs. */
  get transformers(): NamedTransformer[] {
    return this.steps.map(([n, t]) => [n, t] as const);
  }

  /** The transformer of the step named `name`. */
  named(name: string): Transformer {
    const step = this.steps.find(([n]) => n === name);
    if (!step) throw new DataError(`ColumnTransformer has no step named ${quote(name)}; its steps are ${quoteList(this.steps.map(([n]) => n))}`);
    return step[1];
  }

  /** The columns passed through at fit, in order. Throws if not fitted. */
  get remainderColumns(): string[] {
    if (this.state === undefined) throw this.notFitted();
    return this.remainder === "passthrough" ? [...this.state.remainderColumns] : [];
  }

  fit(df: Table): this {
    requireFrame(df, "ColumnTransformer.fit");
    this.state = undefined;
    for (const [name, transformer] of this.steps) {
      try {
        transformer.fit(df);
      } catch (error) {
        if (error instanceof DataError) throw new DataError(`ColumnTransformer step ${quote(name)}: ${error.message}`, { cause: error });
        throw error;
      }
    }
    const claimed = new Set(this.columns);
    this.state = { inputColumns: [...df.columns], remainderColumns: df.columns.filter((c) => !claimed.has(c)) };
    return this;
  }

  transform<T extends Table>(df: T): T {
    const state = this.state;
    if (state === undefined || !this.fitted) throw this.notFitted();
    requireFrame(df, "ColumnTransformer.transform");
    const passthrough = this.remainder === "passthrough";
    const have = new Set(df.columns);
    const needed = [...this.columns, ...(passthrough ? state.remainderColumns : [])];
    const missing = needed.filter((c) => !have.has(c));
    if (missing.length > 0) {
      throw new DataError(`ColumnTransformer cannot transform: the frame lacks the column${missing.length > 1 ? "s" : ""} ${quoteList(missing)} seen at fit; it has ${quoteList(df.columns)}`);
    }
    if (passthrough) {
      const seen = new Set(state.inputColumns);
      const extra = df.columns.filter((c) => !seen.has(c));
      if (extra.length > 0) {
        throw new DataError(
          `ColumnTransformer cannot transform: the column${extra.length > 1 ? "s" : ""} ${quoteList(extra)} ${extra.length > 1 ? "were" : "was"} not seen at fit ` +
            `and remainder is "passthrough"; drop ${extra.length > 1 ? "them" : "it"} first (df.drop({ columns: [...] })), fit on a frame that has ${extra.length > 1 ? "them" : "it"}, or use remainder: "drop"`,
        );
      }
    }
    const outputs: OutputColumn[] = this.steps.flatMap(([name, t]) => t.outputColumns(df, `ColumnTransformer step ${quote(name)} (${t.kind})`).flat());
    if (passthrough) {
      const data = columnsOf(df);
      const dtypes = dtypesOf(df);
      for (const name of state.remainderColumns) outputs.push({ name, values: data.get(name) ?? [], dtype: dtypes.get(name) ?? "undefined" });
    }
    return tableLike(outputs, df, "ColumnTransformer");
  }

  toJSON(): ColumnTransformerJSON {
    return {
      kind: "ColumnTransformer",
      params: { remainder: this.remainder, transformers: this.steps.map(([n, t]) => [n, t.toJSON()]) },
      state: this.state === undefined ? null : structuredClone(this.state),
    };
  }

  override [inspect.custom](): string {
    const steps = this.steps.map(([n, t]) => `${quote(n)}: ${t[inspect.custom]()}`).join(", ");
    return `ColumnTransformer { ${steps}, remainder: ${quote(this.remainder)}, ${this.fitted ? "fitted" : "not fitted"} }`;
  }
}
