/**
 * Evidently's two binned distances: the Jensen-Shannon distance
 * (`jensenshannon.py`, `scipy.spatial.distance.jensenshannon` with the
 * natural logarithm) and the population stability index (`psi.py`).
 */
import { binnedShares } from "./binning";
import type { DriftKind } from "./kinds";
import type { Sample } from "./samples";

/**
 * √(JS divergence): both share vectors normalized to sum 1, then the mean
 * of their relative entropies to their midpoint. Empty bins stay empty.
 */
export function jensenShannonDistance(reference: Sample, current: Sample, kind: DriftKind): number {
  const { reference: p, current: q } = binnedShares(reference, current, kind, false);
  const sp = sum(p);
  const sq = sum(q);
  let left = 0;
  let right = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = (p[i] as number) / sp;
    const qi = (q[i] as number) / sq;
    const m = (pi + qi) / 2;
    left += relativeEntropy(pi, m);
    right += relativeEntropy(qi, m);
  }
  // Rounding can leave a hair below 0 for equal distributions, where scipy's sqrt gives NaN.
  return Math.sqrt(Math.max((left + right) / 2, 0));
}

/** Σ (r - c)·ln(r / c) over the bins, empty bins filled with a small share first. */
export function populationStabilityIndex(reference: Sample, current: Sample, kind: DriftKind): number {
  const { reference: r, current: c } = binnedShares(reference, current, kind, true);
  let psi = 0;
  for (let i = 0; i < r.length; i++) psi += ((r[i] as number) - (c[i] as number)) * Math.log((r[i] as number) / (c[i] as number));
  return psi;
}

/** scipy.special.rel_entr: x·ln(x/y), 0 when x is 0. */
function relativeEntropy(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

function sum(values: Float64Array): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
