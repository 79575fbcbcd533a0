/**
 * Evidently's Z-test for two proportions (`z_stattest.py`), its default for
 * a column with at most two values: each value is 0 when it is the first of
 * the sorted categories, else 1; the statistic compares the two shares with
 * a pooled standard error; the p-value is two-sided, 2·(1 - Φ(|z|)).
 * When both samples hold one and the same value, the p-value is 1 (and the
 * statistic 0).
 */
import normalCdf from "@stdlib/stats-base-dists-normal-cdf";
import { categoryCounts } from "./categories";
import type { TestResult } from "./chisquare";
import type { Category, Sample } from "./samples";

export function zTest(reference: Sample, current: Sample): TestResult {
  const { keys, reference: ref, current: cur } = categoryCounts(reference, current);
  if (keys.length === 1) return { statistic: 0, pValue: 1 }; // one and the same value on both sides
  let first = 0;
  for (let k = 1; k < keys.length; k++) if (compareCategories(keys[k] as Category, keys[first] as Category) < 0) first = k;
  const n1 = reference.size;
  const n2 = current.size;
  const p1 = (n1 - (ref[first] as number)) / n1;
  const p2 = (n2 - (cur[first] as number)) / n2;
  const pooled = (p1 * n1 + p2 * n2) / (n1 + n2);
  const statistic = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  return { statistic, pValue: 2 * (1 - normalCdf(Math.abs(statistic), 0, 1)) };
}

/** Python's sort order for the first category: numbers by value, then strings (only z's sign depends on it, not the p-value). */
function compareCategories(a: Category, b: Category): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
