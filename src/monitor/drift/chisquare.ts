/**
 * Evidently's chi-squared drift test (`chisquare_stattest.py`): Pearson's
 * statistic of the current counts against expected counts taken from the
 * reference proportions scaled to the current size, and its p-value with
 * (categories - 1) degrees of freedom (`scipy.stats.chisquare(f_obs, f_exp)`).
 *
 * A category the reference never saw has an expected count of 0: the
 * statistic is then infinite and the p-value 0, as in scipy. With a single
 * category there is no degree of freedom and the p-value is NaN, as in scipy.
 */
import gammainc from "@stdlib/math-base-special-gammainc";
import { categoryCounts } from "./categories";
import type { Sample } from "./samples";

export interface TestResult {
  readonly statistic: number;
  readonly pValue: number;
}

export function chiSquareTest(reference: Sample, current: Sample): TestResult {
  const counts = categoryCounts(reference, current);
  const scale = current.size / reference.size;
  let statistic = 0;
  for (let i = 0; i < counts.keys.length; i++) {
    const expected = (counts.reference[i] as number) * scale;
    const observed = counts.current[i] as number;
    statistic += (observed - expected) ** 2 / expected;
  }
  return { statistic, pValue: chiSquareSf(statistic, counts.keys.length - 1) };
}

/** Pr(X > x) for X ~ chi²(dof): the regularized upper incomplete gamma Q(dof/2, x/2), as scipy's chi2.sf. */
export function chiSquareSf(x: number, dof: number): number {
  if (!(dof > 0) || Number.isNaN(x)) return NaN;
  if (x === Infinity) return 0;
  if (x <= 0) return 1;
  return gammainc(x / 2, dof / 2, true, true);
}
