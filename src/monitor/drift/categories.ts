/**
 * The counts of each category in the two samples, aligned on the union of
 * their categories: what the chi-squared and Z tests and the categorical
 * binning start from (Evidently's `get_unique_not_nan_values_list_from_series`
 * and `value_counts`).
 */
import type { Category, Sample } from "./samples";

export interface CategoryCounts {
  /** Every category seen in either sample (numbers in ascending order). */
  readonly keys: readonly Category[];
  readonly reference: Float64Array;
  readonly current: Float64Array;
}

export function categoryCounts(reference: Sample, current: Sample): CategoryCounts {
  if (reference.sorted !== undefined && current.sorted !== undefined) return mergedCounts(reference.sorted, current.sorted);
  const ref = reference.counts();
  const cur = current.counts();
  const keys = [...ref.keys()];
  for (const key of cur.keys()) if (!ref.has(key)) keys.push(key);
  return {
    keys,
    reference: Float64Array.from(keys, (k) => ref.get(k) ?? 0),
    current: Float64Array.from(keys, (k) => cur.get(k) ?? 0),
  };
}

/** Counts of two sorted samples of numbers, by merging their runs: no map of a million keys. */
function mergedCounts(a: Float64Array, b: Float64Array): CategoryCounts {
  const keys: number[] = [];
  const reference: number[] = [];
  const current: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = j >= b.length || (i < a.length && (a[i] as number) <= (b[j] as number)) ? (a[i] as number) : (b[j] as number);
    const i0 = i;
    const j0 = j;
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
    keys.push(x === 0 ? 0 : x); // -0 and 0 are one value
    reference.push(i - i0);
    current.push(j - j0);
  }
  return { keys, reference: Float64Array.from(reference), current: Float64Array.from(current) };
}
