/**
 * Evidently's normed Wasserstein distance (`wasserstein_distance_norm.py`):
 * the first Wasserstein (earth mover's) distance between the two samples,
 * as `scipy.stats.wasserstein_distance` computes it (the area between the two
 * empirical CDFs), divided by the reference's standard deviation (numpy's,
 * ddof 0), floored at 0.001 so that a constant reference does not divide by 0.
 */

/** The distance between two sorted, non-empty samples, in units of the reference's spread. */
export function normedWasserstein(reference: Float64Array, current: Float64Array): number {
  return wassersteinDistance(reference, current) / Math.max(standardDeviation(reference), 0.001);
}

/** ∫ |F_u - F_v| over the merged sorted values (scipy's `_cdf_distance` with p = 1). */
export function wassersteinDistance(u: Float64Array, v: Float64Array): number {
  const nu = u.length;
  const nv = v.length;
  let i = 0;
  let j = 0;
  let previous = NaN;
  let total = 0;
  // Walk the merged values; between two consecutive ones both CDFs are flat.
  while (i < nu || j < nv) {
    const x = j >= nv || (i < nu && (u[i] as number) <= (v[j] as number)) ? (u[i] as number) : (v[j] as number);
    if (i + j > 0) total += Math.abs(i / nu - j / nv) * (x - previous);
    while (i < nu && (u[i] as number) <= x) i++;
    while (j < nv && (v[j] as number) <= x) j++;
    previous = x;
  }
  return total;
}

function standardDeviation(values: Float64Array): number {
  let sum = 0;
  for (const x of values) sum += x;
  const mean = sum / values.length;
  let squares = 0;
  for (const x of values) squares += (x - mean) ** 2;
  return Math.sqrt(squares / values.length);
}
