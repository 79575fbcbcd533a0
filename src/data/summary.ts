/**
 * A table's summary, one row per column: what `wb.show` and a cell show
 * under the first and last rows of a big table, computed in one pass per
 * column over the typed arrays.
 */
import type { Column } from "./column";

/** One column's summary. */
export interface ColumnSummary {
  readonly column: string;
  readonly dtype: string;
  readonly missing: number;
  /** Numbers (and timestamps, as ms): the smallest, mean and largest value present; null for text. */
  readonly min: number | null;
  readonly mean: number | null;
  readonly max: number | null;
  /** Text: the number of distinct values; null for numbers. */
  readonly distinct: number | null;
  /** Text: the most frequent value; null for numbers. */
  readonly top: string | null;
}

/** The summary of one column. */
export function summarize(c: Column): ColumnSummary {
  const base = { column: c.name, dtype: c.dtype };
  if (c.dtype === "category" || c.dtype === "string") {
    const { missing, distinct, top } = c.dtype === "category" ? countCodes(c.values as Int32Array, c.dictionary ?? []) : countStrings(c.values as readonly (string | null)[]);
    return { ...base, missing, min: null, mean: null, max: null, distinct, top };
  }
  const values = c.values as ArrayLike<number | bigint>;
  let missing = 0;
  let n = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (Number.isNaN(v)) {
      missing++;
      continue;
    }
    n++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { ...base, missing, min: n === 0 ? null : min, mean: n === 0 ? null : sum / n, max: n === 0 ? null : max, distinct: null, top: null };
}

function countCodes(codes: Int32Array, dictionary: readonly string[]): { missing: number; distinct: number; top: string | null } {
  const counts = new Float64Array(dictionary.length);
  let missing = 0;
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i] as number;
    if (code < 0) missing++;
    else counts[code] = (counts[code] as number) + 1;
  }
  let distinct = 0;
  let best = -1;
  for (let k = 0; k < counts.length; k++) {
    if ((counts[k] as number) === 0) continue;
    distinct++;
    if (best < 0 || (counts[k] as number) > (counts[best] as number)) best = k;
  }
  return { missing, distinct, top: best < 0 ? null : (dictionary[best] ?? null) };
}

function countStrings(values: readonly (string | null)[]): { missing: number; distinct: number; top: string | null } {
  const counts = new Map<string, number>();
  let missing = 0;
  for (const v of values) {
    if (v === null) missing++;
    else counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  let top: string | null = null;
  let most = 0;
  for (const [v, k] of counts) {
    if (k > most) {
      most = k;
      top = v;
    }
  }
  return { missing, distinct: counts.size, top };
}
