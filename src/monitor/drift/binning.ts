/**
 * Evidently's binning of the two samples for its distances
 * (`get_binned_data` in `stattests/utils.py`): a numeric column whose
 * reference has more than 20 distinct values goes into numpy's histogram
 * bins over both samples together (`np.histogram_bin_edges(..., "sturges")`,
 * then `np.histogram` of each); any other column is counted by value, over
 * the union of the values. Each side becomes shares of its size.
 *
 * With `fillZeroes` (Evidently's `feel_zeroes`, on for PSI, off for
 * Jensen-Shannon), an empty bin gets a small share instead of 0, so that a
 * logarithm of it stays finite: 0.0001, or a millionth of the smallest
 * non-empty share when that is at most 0.0001.
 */
import { categoryCounts } from "./categories";
import type { DriftKind } from "./kinds";
import type { Sample } from "./samples";

/** Above this many distinct reference values, a numeric column is binned by a histogram. */
const MAX_VALUES_COUNTED = 20;

export interface Binned {
  readonly reference: Float64Array;
  readonly current: Float64Array;
}

export function binnedShares(reference: Sample, current: Sample, kind: DriftKind, fillZeroes: boolean): Binned {
  let counts: { reference: Float64Array; current: Float64Array };
  if (kind === "numeric" && reference.distinct() > MAX_VALUES_COUNTED) {
    const ref = reference.numbers("the reference");
    const cur = current.numbers("the current data");
    const edges = sturgesEdges(ref, cur);
    counts = { reference: histogram(ref, edges), current: histogram(cur, edges) };
  } else {
    counts = categoryCounts(reference, current);
  }
  const shares = {
    reference: counts.reference.map((c) => c / reference.size),
    current: counts.current.map((c) => c / current.size),
  };
  if (fillZeroes) {
    fillZeroShares(shares.reference);
    fillZeroShares(shares.current);
  }
  return shares;
}

/**
 * numpy's bin edges for "sturges" over both sorted samples: width
 * range / (log2(n) + 1), ceil(range / width) bins, edges start + i·step
 * (numpy's linspace) with the last edge the maximum itself.
 */
function sturgesEdges(a: Float64Array, b: Float64Array): Float64Array {
  let first = Math.min(a[0] as number, b[0] as number);
  let last = Math.max(a[a.length - 1] as number, b[b.length - 1] as number);
  const range = last - first;
  if (first === last) {
    first -= 0.5;
    last += 0.5;
  }
  const width = range / (Math.log2(a.length + b.length) + 1);
  const bins = width ? Math.ceil((last - first) / width) : 1;
  const step = (last - first) / bins;
  const edges = new Float64Array(bins + 1);
  for (let i = 0; i < bins; i++) edges[i] = i * step + first;
  edges[bins] = last;
  return edges;
}

/**
 * `np.histogram(sorted, edges)[0]`: bins closed on the left, the last one
 * closed on both sides (numpy's searchsorted route for given edges).
 */
function histogram(sorted: Float64Array, edges: Float64Array): Float64Array {
  const bins = edges.length - 1;
  const counts = new Float64Array(bins);
  let previous = lowerBound(sorted, edges[0] as number);
  for (let i = 1; i <= bins; i++) {
    const at = i === bins ? upperBound(sorted, edges[i] as number) : lowerBound(sorted, edges[i] as number);
    counts[i - 1] = at - previous;
    previous = at;
  }
  return counts;
}

function lowerBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function fillZeroShares(shares: Float64Array): void {
  let smallest = Infinity;
  for (const s of shares) if (s !== 0 && s < smallest) smallest = s;
  const fill = smallest <= 0.0001 ? smallest / 10 ** 6 : 0.0001;
  for (let i = 0; i < shares.length; i++) if (shares[i] === 0) shares[i] = fill;
}
