import { DataError } from "../../errors";

/** A class label: an integer, a string or a boolean. */
export type Label = number | string | boolean;

/**
 * The part of a TensorFlow.js tensor the metrics use. Tensors are recognized
 * by duck typing (a `dataSync` method and a `shape`), so this module never
 * loads `@tensorflow/tfjs` itself; they are read with `arraySync()` and never
 * disposed: the caller owns them.
 */
export interface TensorLike {
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly isDisposed?: boolean;
  dataSync(): unknown;
  arraySync(): unknown;
}

/** Class labels, one per sample: an array of numbers, strings or booleans, a typed array, or a 1-D tensor. */
export type LabelsInput = readonly Label[] | ArrayLike<number> | TensorLike;

/** Numbers, one per sample: an array, a typed array, or a 1-D tensor (or one of shape [n, 1]). */
export type NumbersInput = ArrayLike<number> | TensorLike;

/**
 * Predicted probabilities: one number per sample (the probability of the
 * positive class), or one row per sample with a column per class (an array
 * of arrays or typed arrays, or a 2-D tensor).
 */
export type ProbabilitiesInput = ArrayLike<number> | readonly ArrayLike<number>[] | TensorLike;

/** Where a value came from, for messages: the metric and the argument ("precision", "yTrue"). */
export interface Source {
  readonly fn: string;
  readonly name: string;
}

/** A vector read from any accepted input, with what is known of its storage. */
export interface RawVector {
  readonly values: ArrayLike<unknown>;
  /** Stored as 32-bit floats (a Float32Array or a float32 tensor). */
  readonly float32: boolean;
  /** Read from a tensor of dtype bool (its values arrive as 0 and 1). */
  readonly bool: boolean;
}

/** A matrix of numbers, one row per sample. */
export interface NumberMatrix {
  readonly rows: readonly (readonly number[])[];
  readonly columns: number;
  readonly float32: boolean;
}

/** Throws a DataError whose message starts with the metric's name. */
export function fail(fn: string, message: string): never {
  throw new DataError(`${fn}: ${message}`);
}

/** Whether `value` looks like a TensorFlow.js tensor (duck typing: `dataSync` and `shape`). */
export function isTensorLike(value: unknown): value is TensorLike {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as { dataSync?: unknown; shape?: unknown };
  return typeof candidate.dataSync === "function" && Array.isArray(candidate.shape);
}

function readTensor(tensor: TensorLike, at: Source): unknown {
  if (tensor.isDisposed === true) fail(at.fn, `${at.name} is a disposed tensor: keep it alive until the metric has read it`);
  if (typeof tensor.arraySync !== "function") fail(at.fn, `${at.name} looks like a tensor but has no arraySync() method`);
  if (tensor.dtype === "complex64") fail(at.fn, `${at.name} is a complex64 tensor: metrics take real numbers or labels`);
  return tensor.arraySync();
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

function isArrayLike(value: unknown): value is ArrayLike<unknown> {
  if (Array.isArray(value)) return true;
  if (ArrayBuffer.isView(value)) return !(value instanceof DataView);
  return false;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return `an object (${value.constructor?.name ?? "Object"})`;
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

/**
 * Reads one value per sample. A tensor must be 1-D, or 2-D with one column
 * (a sigmoid output); an array must not hold rows.
 */
export function readVector(input: unknown, at: Source): RawVector {
  if (isTensorLike(input)) {
    const { shape } = input;
    const data = readTensor(input, at);
    const bool = input.dtype === "bool";
    const float32 = input.dtype === "float32";
    if (shape.length === 1 && Array.isArray(data)) return { values: data, float32, bool };
    if (shape.length === 2 && shape[1] === 1 && Array.isArray(data)) {
      return { values: data.map((row: unknown) => (Array.isArray(row) ? row[0] : row)), float32, bool };
    }
    const hint = shape.length === 2 ? `; for one-hot rows, pass their class index (tf.argMax(${at.name}, 1))` : "";
    return fail(at.fn, `${at.name} is a tensor of shape ${shapeText(shape)}: pass one value per sample (a 1-D tensor)${hint}`);
  }
  if (!isArrayLike(input)) {
    return fail(at.fn, `${at.name} must be an array, a typed array or a tensor, not ${describe(input)}`);
  }
  const first = input.length > 0 ? input[0] : undefined;
  if (isArrayLike(first) || isTensorLike(first)) {
    const columns = isArrayLike(first) ? first.length : "?";
    fail(at.fn, `${at.name} holds rows (${input.length} rows of ${columns}): pass one value per sample`);
  }
  return { values: input, float32: input instanceof Float32Array, bool: false };
}

/** Throws unless the input holds at least one sample. */
export function requireNonEmpty(length: number, at: Source): void {
  if (length === 0) fail(at.fn, `${at.name} is empty: a metric needs at least one sample`);
}

/**
 * Throws unless every input holds as many samples as the first, e.g.
 * "yTrue has 150 values, yPred has 149".
 */
export function requireSameLength(fn: string, ...parts: readonly { name: string; length: number; unit?: string }[]): void {
  const [first, ...rest] = parts;
  if (first === undefined) return;
  const count = (n: number, unit = "values"): string => `${n} ${n === 1 ? unit.replace(/s$/, "") : unit}`;
  for (const part of rest) {
    if (part.length !== first.length) {
      const second = (part.unit ?? "values") === (first.unit ?? "values") ? String(part.length) : count(part.length, part.unit);
      fail(fn, `${first.name} has ${count(first.length, first.unit)}, ${part.name} has ${second}: give one per sample to both`);
    }
  }
}

/**
 * Reads finite numbers, one per sample. NaN and infinities are refused with
 * the index of the first one.
 */
export function readNumbers(input: NumbersInput, at: Source): { values: number[]; float32: boolean } {
  const raw = readVector(input, at);
  const values: number[] = new Array<number>(raw.values.length);
  for (let i = 0; i < raw.values.length; i++) {
    const value = raw.values[i];
    if (typeof value !== "number") fail(at.fn, `${at.name}[${i}] is ${describe(value)}: ${at.name} must hold numbers`);
    values[i] = value;
  }
  requireFinite(values, at);
  requireNonEmpty(values.length, at);
  return { values, float32: raw.float32 };
}

/** Throws at the first NaN or infinite value, saying where it is and how many such values there are. */
export function requireFinite(values: ArrayLike<number>, at: Source, row?: number): void {
  let first = -1;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i] as number)) {
      first = i;
      break;
    }
  }
  if (first < 0) return;
  const value = values[first] as number;
  const nan = Number.isNaN(value);
  let count = 0;
  for (let i = first; i < values.length; i++) {
    const v = values[i] as number;
    if (nan ? Number.isNaN(v) : v === Infinity || v === -Infinity) count++;
  }
  const where = row === undefined ? `index ${first}` : `row ${row}, column ${first}`;
  const more = count > 1 ? ` (the first of ${count})` : "";
  if (nan) fail(at.fn, `${at.name} has NaN at ${where}${more}: every value must be a number`);
  fail(at.fn, `${at.name} has ${value} at ${where}${more}: every value must be finite`);
}

/**
 * Reads predicted probabilities: a vector (one per sample) or a matrix (one
 * row per sample, a column per class). A matrix with one column is a vector.
 */
export function readProbabilities(input: ProbabilitiesInput, at: Source): { vector: number[]; float32: boolean } | NumberMatrix {
  let rowsIn: readonly unknown[] | undefined;
  let float32 = false;
  if (isTensorLike(input)) {
    if (input.shape.length === 2 && input.shape[1] !== 1) {
      const data = readTensor(input, at);
      rowsIn = Array.isArray(data) ? data : [];
      float32 = input.dtype === "float32";
    } else if (input.shape.length > 2 || input.shape.length === 0) {
      fail(at.fn, `${at.name} is a tensor of shape ${shapeText(input.shape)}: pass one probability per sample (1-D) or one row of class probabilities per sample (2-D)`);
    }
  } else if (isArrayLike(input) && input.length > 0 && isArrayLike(input[0])) {
    rowsIn = Array.from(input as ArrayLike<unknown>);
    float32 = rowsIn.every((row) => row instanceof Float32Array);
  }
  if (rowsIn === undefined) {
    const { values, float32: f32 } = readNumbers(input as NumbersInput, at);
    return { vector: values, float32: f32 };
  }
  requireNonEmpty(rowsIn.length, at);
  const firstRow = rowsIn[0];
  const columns = isArrayLike(firstRow) ? firstRow.length : 0;
  const rows: number[][] = [];
  for (let r = 0; r < rowsIn.length; r++) {
    const row = rowsIn[r];
    if (!isArrayLike(row)) return fail(at.fn, `${at.name} row ${r} is ${describe(row)}, not a row of numbers`);
    if (row.length !== columns) fail(at.fn, `${at.name} row ${r} has ${row.length} values, row 0 has ${columns}: every row needs one column per class`);
    const numbers: number[] = new Array<number>(columns);
    for (let c = 0; c < columns; c++) {
      const value = row[c];
      if (typeof value !== "number") fail(at.fn, `${at.name} row ${r}, column ${c} is ${describe(value)}: probabilities must be numbers`);
      numbers[c] = value;
    }
    requireFinite(numbers, at, r);
    rows.push(numbers);
  }
  if (columns === 0) fail(at.fn, `${at.name} has rows with no columns: give one column per class`);
  if (columns === 1) return { vector: rows.map((row) => row[0] as number), float32 };
  return { rows, columns, float32 };
}

/** How far a probability row's sum may stray from 1. */
export const ROW_SUM_TOLERANCE = 1e-6;

/** Throws at the first row whose sum is not 1 within {@link ROW_SUM_TOLERANCE}. */
export function requireRowsSumToOne(matrix: NumberMatrix, at: Source): void {
  matrix.rows.forEach((row, r) => {
    let total = 0;
    for (const value of row) total += value;
    if (Math.abs(total - 1) > ROW_SUM_TOLERANCE) {
      fail(
        at.fn,
        `${at.name} row ${r} sums to ${Number(total.toPrecision(12))} (${formatRow(row)}), not 1 within 1e-6: pass class probabilities, e.g. a softmax output`,
      );
    }
  });
}

function formatRow(row: readonly number[]): string {
  const shown = row.slice(0, 10).join(", ");
  return row.length > 10 ? `${shown}, … ${row.length} values` : shown;
}
