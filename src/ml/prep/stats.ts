/** Small statistics the transformers share, computed as numpy does. */

/** The mean, summing by pairs (more accurate than a running sum on long columns, as numpy's mean). */
export function meanOf(xs: readonly number[]): number {
  return pairwiseSum(xs, 0, xs.length) / xs.length;
}

function pairwiseSum(xs: readonly number[], from: number, to: number): number {
  if (to - from <= 128) {
    let s = 0;
    for (let i = from; i < to; i++) s += xs[i] as number;
    return s;
  }
  const mid = from + Math.floor((to - from) / 2);
  return pairwiseSum(xs, from, mid) + pairwiseSum(xs, mid, to);
}

/** The median; the mean of the two middle values for an even count (as numpy). */
export function medianOf(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
