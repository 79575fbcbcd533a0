import type { DataFrame, Series } from "danfojs-node";
import { isColumnarTable } from "../../data";
import type { ColumnarTable } from "../../data";
import { DataError, messageOf } from "../../errors";
import { isDanfoFrame, isDanfoSeries, isTensor } from "../../util";

/** Features: a danfo DataFrame or a ColumnarTable (numeric columns), rows of numbers, or a 2-D tensor. */
export type Features = DataFrame | ColumnarTable | readonly (readonly number[])[] | import("@tensorflow/tfjs").Tensor2D;

/** Labels or targets: a danfo Series, a one-column DataFrame or ColumnarTable, or an array. */
export type Labels = Series | DataFrame | ColumnarTable | readonly (string | number | boolean)[] | ArrayLike<number>;

/** Refuses a different set of columns than the model was trained on. */
function checkColumnsMatch(features: readonly string[], expected: readonly string[] | undefined, what: string): void {
  if (!expected) return;
  const missing = expected.filter((c) => !features.includes(c));
  const extra = features.filter((c) => !expected.includes(c));
  if (missing.length > 0 || extra.length > 0) {
    throw new DataError(
      `${what} does not have the columns the model was trained on:${missing.length ? ` missing ${missing.map((c) => JSON.stringify(c)).join(", ")}` : ""}${extra.length ? ` extra ${extra.map((c) => JSON.stringify(c)).join(", ")}` : ""}`,
    );
  }
}

/** Features as one row-major float32 block, with their names. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
  features: string[];
}

const isFrame = isDanfoFrame;
const isSeries = isDanfoSeries;

/**
 * Features as a float32 matrix. Refuses, naming the column, what a model
 * cannot take: text columns (encode them first), missing values (impute them
 * first), and a different set of columns than the model was trained on.
 */
export function toMatrix(x: Features, what: string, expected?: readonly string[]): Matrix {
  if (isTensor(x)) {
    if (x.shape.length !== 2) throw new DataError(`${what} must be 2-D (rows x features); got a tensor of shape [${x.shape.join(", ")}]`);
    const [rows, cols] = x.shape as [number, number];
    const data = Float32Array.from(x.dataSync() as ArrayLike<number>);
    const features = expected ? [...expected] : Array.from({ length: cols }, (_, i) => `x${i}`);
    if (expected && expected.length !== cols) throw new DataError(`${what} has ${cols} features; the model was trained on ${expected.length}`);
    checkFinite(data, rows, cols, features, what);
    return { data, rows, cols, features };
  }
  if (isColumnarTable(x)) {
    checkColumnsMatch(x.columns, expected, what);
    const order = expected ? [...expected] : [...x.columns];
    let m: ReturnType<ColumnarTable["toMatrix"]>;
    try {
      m = x.toMatrix(order);
    } catch (error) {
      throw new DataError(`${what}: ${messageOf(error)}`, { cause: error });
    }
    checkFinite(m.data, m.rows, m.cols, order, what);
    return { data: m.data, rows: m.rows, cols: m.cols, features: order };
  }
  if (isFrame(x)) {
    const features = x.columns;
    checkColumnsMatch(features, expected, what);
    const order = expected ? [...expected] : features;
    const rows = x.shape[0] as number;
    const cols = order.length;
    const data = new Float32Array(rows * cols);
    // The frame's column-major data as it holds it: x.column(name) would build a Series per column.
    const byColumn = x.getColumnData as unknown[][];
    order.forEach((name, j) => {
      const values = byColumn[features.indexOf(name)] as unknown[];
      for (let i = 0; i < rows; i++) {
        const v = values[i];
        if (typeof v !== "number") {
          if (typeof v === "string" || typeof v === "boolean") {
            throw new DataError(
              `${what}: column ${JSON.stringify(name)} holds ${typeof v === "string" ? "text" : "booleans"} (row ${i}: ${JSON.stringify(v)}); a model needs numbers: encode it with OneHotEncoder or LabelEncoder first`,
            );
          }
          throw new DataError(`${what}: column ${JSON.stringify(name)} has a missing value at row ${i}; impute it first (SimpleImputer) or drop the rows`);
        }
        data[i * cols + j] = v;
      }
    });
    checkFinite(data, rows, cols, order, what);
    return { data, rows, cols, features: order };
  }
  const rowsIn = x as readonly (readonly number[])[];
  const rows = rowsIn.length;
  const cols = rows > 0 ? (rowsIn[0] as readonly number[]).length : (expected?.length ?? 0);
  if (expected && cols !== expected.length) throw new DataError(`${what} has ${cols} features; the model was trained on ${expected.length}`);
  const features = expected ? [...expected] : Array.from({ length: cols }, (_, i) => `x${i}`);
  const data = new Float32Array(rows * cols);
  rowsIn.forEach((row, i) => {
    if (row.length !== cols) throw new DataError(`${what}: row ${i} has ${row.length} values, row 0 has ${cols}`);
    for (let j = 0; j < cols; j++) {
      const v = row[j];
      if (typeof v !== "number") throw new DataError(`${what}: row ${i}, feature ${features[j]} is ${JSON.stringify(v)}, not a number`);
      data[i * cols + j] = v;
    }
  });
  checkFinite(data, rows, cols, features, what);
  return { data, rows, cols, features };
}

function checkFinite(data: Float32Array, rows: number, cols: number, features: readonly string[], what: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i] as number)) {
      const row = Math.floor(i / cols);
      const feature = features[i % cols] ?? `x${i % cols}`;
      throw new DataError(`${what}: feature ${JSON.stringify(feature)} is ${data[i]} at row ${row}; impute missing values first (SimpleImputer) or drop the rows`);
    }
  }
  if (rows === 0) throw new DataError(`${what} has no rows`);
}

/** Labels as a plain array, from any of the accepted forms. */
export function toLabels(y: Labels, what: string): (string | number | boolean)[] {
  let values: unknown[];
  if (isColumnarTable(y)) {
    if (y.columns.length !== 1) throw new DataError(`${what} must be one column; got ${y.columns.length}: ${y.columns.join(", ")}`);
    const name = y.columns[0] as string;
    const dtype = y.dtypes[name];
    values = dtype === "string" || dtype === "category" ? y.strings(name) : Array.from({ length: y.rows }, (_, i) => y.value(name, i));
  } else if (isSeries(y)) values = y.values as unknown[];
  else if (isFrame(y)) {
    if (y.columns.length !== 1) throw new DataError(`${what} must be one column; got ${y.columns.length}: ${y.columns.join(", ")}`);
    values = y.column(y.columns[0] as string).values as unknown[];
  } else if (isTensor(y)) values = Array.from(y.dataSync() as ArrayLike<number>);
  else values = Array.from(y as ArrayLike<unknown>);
  values.forEach((v, i) => {
    if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) {
      throw new DataError(`${what} has a missing value at row ${i}; drop those rows first`);
    }
  });
  return values as (string | number | boolean)[];
}
