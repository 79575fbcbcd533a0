/**
 * A packaged pipeline's input signature: the columns a request must have,
 * their types, the categories seen in training and what an unseen one does,
 * the ranges seen; and the checks of request rows against it, each failure
 * naming the row and the column.
 */
import type { ColumnarTable } from "../data";
import { DataError } from "../errors";
import type { Transformer, TransformerJSON } from "../ml";

/** What a column holds in a request. */
export type InputType = "number" | "string" | "boolean";

/** One input column of the signature. */
export interface InputColumn {
  readonly name: string;
  readonly type: InputType;
  /** Whether null (or a missing key) is accepted: only for columns a SimpleImputer fills. */
  readonly nullable: boolean;
  /** The categories seen in training (text and boolean columns an encoder learned). */
  readonly categories?: readonly (string | number | boolean)[];
  /** What a category unseen in training does, as in training: ignored (its one-hot columns all 0) or an error. */
  readonly unknown?: "ignore" | "error";
  /** The range seen in training (numbers): information for monitoring, not enforced. */
  readonly min?: number;
  readonly max?: number;
}

/** What the pipeline predicts. */
export interface OutputSchema {
  readonly task: "classification" | "regression";
  /** For classification, the class labels, in the order of the probabilities. */
  readonly classes?: readonly (string | number | boolean)[];
  /** The name of what is predicted (the label column of training), when known. */
  readonly target?: string;
}

export interface Signature {
  readonly inputs: readonly InputColumn[];
  readonly output: OutputSchema;
}

/** A request value that does not fit the signature. */
export interface InputError {
  readonly row: number;
  readonly column: string;
  readonly message: string;
}

/** At most this many problems are listed for one request: the rest are counted. */
const MAX_ERRORS = 20;

/**
 * The signature of a pipeline: its inputs are the columns the transformers
 * take and the model features no transformer makes, typed from the
 * reference (training) data.
 */
export function signatureOf(transformers: readonly Transformer[], features: readonly string[], reference: ColumnarTable, output: OutputSchema): Signature {
  const produced = new Set<string>();
  const needed: string[] = [];
  const jsons = transformers.map((t) => t.toJSON());
  const leaves = jsons.flatMap(leafTransformers);
  for (const t of transformers) {
    const inputs = inputColumnsOf(t);
    for (const c of inputs) if (!produced.has(c) && !needed.includes(c)) needed.push(c);
    for (const c of outputColumnsOf(t, inputs, reference)) produced.add(c);
  }
  for (const f of features) if (!produced.has(f) && !needed.includes(f)) needed.push(f);
  const missing = needed.filter((c) => !reference.columns.includes(c));
  const quote = (cs: readonly string[]): string => cs.map((c) => JSON.stringify(c)).join(", ");
  const unmade = missing.filter((c) => features.includes(c));
  if (unmade.length > 0) {
    throw new DataError(
      `the model takes ${quote(unmade)}, which no packaged transformer makes and the reference data does not have: package every transformer the model's inputs went through, in order, and give the data the first was fitted on`,
    );
  }
  if (missing.length > 0) throw new DataError(`the reference data lacks ${quote(missing)}, which the transformers take: give the data the first transformer was fitted on`);
  return { inputs: needed.map((name) => inputColumn(name, reference, leaves)), output };
}

/**
 * The columns a fitted transformer needs: its own, and for a ColumnTransformer
 * every column it saw at fit (with remainder "passthrough" it passes them on,
 * and refuses a frame without them).
 */
function inputColumnsOf(t: Transformer): readonly string[] {
  const json = t.toJSON();
  if (json.kind === "ColumnTransformer" && (json.params as { remainder?: string }).remainder === "passthrough") {
    return (json.state as { inputColumns?: string[] } | null)?.inputColumns ?? t.columns;
  }
  return t.columns;
}

/** The columns a fitted transformer gives, found by transforming the reference's first row. */
function outputColumnsOf(t: Transformer, inputs: readonly string[], reference: ColumnarTable): readonly string[] {
  const present = inputs.filter((c) => reference.columns.includes(c));
  if (present.length < inputs.length) return [];
  try {
    return t.transform(reference.select(present).head(1)).columns;
  } catch {
    return [];
  }
}

/** The transformers inside a ColumnTransformer's JSON, and a plain one itself. */
function leafTransformers(json: TransformerJSON): TransformerJSON[] {
  if (json.kind !== "ColumnTransformer") return [json];
  const steps = (json.params as { transformers?: [string, TransformerJSON][] }).transformers ?? [];
  return steps.flatMap(([, t]) => leafTransformers(t));
}

function inputColumn(name: string, reference: ColumnarTable, leaves: readonly TransformerJSON[]): InputColumn {
  const dtype = reference.dtypes[name];
  const type: InputType = dtype === "string" || dtype === "category" ? "string" : dtype === "bool" ? "boolean" : "number";
  const touching = leaves.filter((t) => ((t.params as { columns?: string[] }).columns ?? []).includes(name));
  const nullable = touching.some((t) => t.kind === "SimpleImputer");
  const encoder = touching.find((t) => t.kind === "OneHotEncoder");
  const base: InputColumn = { name, type, nullable };
  if (encoder !== undefined && encoder.state !== null) {
    const j = ((encoder.params as { columns: string[] }).columns ?? []).indexOf(name);
    const categories = ((encoder.state as { categories?: (string | number | boolean)[][] }).categories ?? [])[j] ?? [];
    return { ...base, categories, unknown: (encoder.params as { handleUnknown?: "ignore" | "error" }).handleUnknown ?? "ignore" };
  }
  if (type === "number") {
    const values = reference.numbers(name);
    let min = Infinity;
    let max = -Infinity;
    for (const v of values) {
      if (Number.isNaN(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return Number.isFinite(min) ? { ...base, min, max } : base;
  }
  return base;
}

/**
 * Checks request rows against the signature: a row that is not an object, a
 * missing column, a value of the wrong type, a null or NaN where none is
 * accepted, a category unseen in training where that is an error. Each
 * problem names the row (0-based) and the column; extra keys are ignored.
 */
export function checkRows(signature: Signature, rows: readonly unknown[]): InputError[] {
  const errors: InputError[] = [];
  let more = 0;
  const add = (e: InputError): void => {
    if (errors.length < MAX_ERRORS) errors.push(e);
    else more++;
  };
  rows.forEach((row, r) => {
    if (row === null || typeof row !== "object" || Array.isArray(row)) {
      add({ row: r, column: "", message: `row ${r} is ${row === null ? "null" : Array.isArray(row) ? "an array" : typeof row}, not an object of columns` });
      return;
    }
    const record = row as Record<string, unknown>;
    for (const c of signature.inputs) {
      const problem = checkValue(c, Object.hasOwn(record, c.name) ? record[c.name] : undefined, Object.hasOwn(record, c.name));
      if (problem !== undefined) add({ row: r, column: c.name, message: `row ${r}, column ${JSON.stringify(c.name)}: ${problem}` });
    }
  });
  if (more > 0) errors.push({ row: -1, column: "", message: `and ${more} more problem${more === 1 ? "" : "s"}` });
  return errors;
}

function checkValue(c: InputColumn, value: unknown, present: boolean): string | undefined {
  if (!present || value === null || (typeof value === "number" && Number.isNaN(value))) {
    if (c.nullable) return undefined;
    return !present ? "missing (every row needs it)" : `${value === null ? "null" : "NaN"}, but the model was trained without missing values here`;
  }
  switch (c.type) {
    case "number":
      if (typeof value !== "number") return `expected a number, got ${describe(value)}`;
      if (!Number.isFinite(value)) return `expected a finite number, got ${value}`;
      return undefined;
    case "boolean":
      if (typeof value !== "boolean") return `expected true or false, got ${describe(value)}`;
      break;
    case "string":
      if (typeof value !== "string") return `expected text, got ${describe(value)}`;
      break;
  }
  if (c.unknown === "error" && c.categories !== undefined && !c.categories.includes(value as string | boolean)) {
    return `unknown category ${JSON.stringify(value)}; the model knows ${c.categories.map((v) => JSON.stringify(v)).join(", ")}`;
  }
  return undefined;
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

/**
 * The JSON schema of one input record: what an HTTP server validates a
 * request with before the row-by-row checks (it catches wrong types early;
 * the checks name the row and column in plain words).
 */
export function recordSchema(signature: Signature): Record<string, unknown> {
  return {
    type: "object",
    required: signature.inputs.filter((c) => !c.nullable).map((c) => c.name),
    properties: Object.fromEntries(
      signature.inputs.map((c) => [c.name, { type: c.nullable ? [c.type, "null"] : c.type, ...(c.categories && c.unknown === "error" ? { enum: [...c.categories, ...(c.nullable ? [null] : [])] } : {}) }]),
    ),
  };
}
