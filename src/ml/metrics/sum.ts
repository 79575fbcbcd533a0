/**
 * The sum of `values` with Neumaier's compensation, so that long sums of
 * small terms (losses, squared errors) keep the precision scikit-learn's
 * pairwise summation has.
 */
export function sum(values: ArrayLike<number>): number {
  let total = 0;
  let compensation = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    const next = total + value;
    compensation += Math.abs(total) >= Math.abs(value) ? total - next + value : value - next + total;
    total = next;
  }
  return total + compensation;
}

/** The arithmetic mean of a non-empty list. */
export function mean(values: ArrayLike<number>): number {
  return sum(values) / values.length;
}
