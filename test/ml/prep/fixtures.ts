/** Shared by the prep tests: the scikit-learn fixtures, the penguins, and number comparisons. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { DataFrame } from "danfojs-node";
import { loadDataset } from "../../../src/data";

const FIXTURES = join(__dirname, "..", "..", "fixtures", "prep");

/** A fixture written by scripts/make-prep-fixtures.py (scikit-learn's numbers). */
export function fixture<T = Record<string, unknown>>(name: "penguins" | "synthetic"): T {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), "utf8")) as T;
}

/** The penguins without the rows that have a missing value, as the fixtures use them. */
export function completePenguins(): DataFrame {
  return loadDataset("penguins").dropNa({ axis: 1 });
}

export const NUMERIC = ["Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)"];

/** The values of a column. */
export function col(df: DataFrame, name: string): unknown[] {
  const j = df.columns.indexOf(name);
  assert.ok(j >= 0, `no column ${JSON.stringify(name)} in ${JSON.stringify(df.columns)}`);
  return (df.getColumnData as unknown as unknown[][])[j] as unknown[];
}

/** The frame's values at these columns, row by row. */
export function rowsOf(df: DataFrame, columns: readonly string[]): unknown[][] {
  const cols = columns.map((c) => col(df, c));
  return Array.from({ length: df.shape[0] ?? 0 }, (_, i) => cols.map((c) => c[i]));
}

/** Asserts two numbers, or nested arrays of numbers, agree to `tolerance` (absolute, or relative for large values). */
export function assertClose(actual: unknown, expected: unknown, tolerance = 1e-6, path = "value"): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${path}: expected an array, got ${String(actual)}`);
    assert.equal(actual.length, expected.length, `${path}: length`);
    expected.forEach((e, i) => assertClose(actual[i], e, tolerance, `${path}[${i}]`));
    return;
  }
  assert.equal(typeof actual, "number", `${path}: expected a number, got ${JSON.stringify(actual)}`);
  const a = actual as number;
  const e = expected as number;
  const ok = Math.abs(a - e) <= tolerance * Math.max(1, Math.abs(e));
  assert.ok(ok, `${path}: ${a} differs from ${e} by ${Math.abs(a - e)}`);
}

/** Asserts `fn` throws a DataError whose message matches every pattern. */
export function assertDataError(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.equal((e as Error).name, "DataError", `expected a DataError, got ${(e as Error).name}: ${(e as Error).message}`);
    for (const p of patterns) assert.match((e as Error).message, p);
    return true;
  });
}
