/**
 * The two-sample Kolmogorov-Smirnov test, two-sided, as
 * `scipy.stats.ks_2samp(a, b)` computes it with its default method "auto"
 * (scipy 1.10.1, `scipy/stats/_stats_py.py`): the exact p-value when neither
 * sample has more than 10,000 values, else the asymptotic one,
 * Pr(D_en > d) of the one-sample distribution for en = round(mn/(m+n)).
 */
import { kolmogorovSf } from "./kolmogorov";

/** scipy's MAX_AUTO_N: "auto" is exact when both samples are at most this large. */
export const KS_MAX_EXACT_N = 10_000;

export interface KsResult {
  /** The largest distance between the two empirical CDFs. */
  readonly statistic: number;
  readonly pValue: number;
  /** Whether the p-value is the exact one (else asymptotic). */
  readonly exact: boolean;
}

/**
 * The two-sided two-sample KS test of two sorted, non-empty samples of
 * finite numbers.
 */
export function ks2samp(a: Float64Array, b: Float64Array): KsResult {
  const n1 = a.length;
  const n2 = b.length;
  let d = ksStatistic(a, b);
  if (Math.max(n1, n2) <= KS_MAX_EXACT_N) {
    // scipy rounds d to the lattice of possible values (h / lcm) and reports that.
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = roundHalfEven(d * lcm);
    d = h / lcm;
    if (h === 0) return { statistic: d, pValue: 1, exact: true };
    const p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideInsideMethod(n1, n2, g, h);
    // scipy falls back to the asymptotic p-value when the exact one fails.
    if (p >= 0 && p <= 1) return { statistic: d, pValue: p, exact: true };
  }
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = (m * n) / (m + n);
  const p = kolmogorovSf(roundHalfEven(en), d);
  return { statistic: d, pValue: Math.min(Math.max(p, 0), 1), exact: false };
}

/**
 * max |F_a(x) - F_b(x)| over the values of both samples, as scipy forms it:
 * the larger of the largest positive and the largest negative difference,
 * each count divided by its sample size.
 */
function ksStatistic(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let maxDiff = -Infinity;
  let minDiff = Infinity;
  while (i < n1 || j < n2) {
    // The next value of either sample; take every copy of it from both.
    const x = j >= n2 || (i < n1 && (a[i] as number) <= (b[j] as number)) ? (a[i] as number) : (b[j] as number);
    while (i < n1 && (a[i] as number) <= x) i++;
    while (j < n2 && (b[j] as number) <= x) j++;
    const diff = i / n1 - j / n2;
    if (diff > maxDiff) maxDiff = diff;
    if (diff < minDiff) minDiff = diff;
  }
  const minS = Math.min(Math.max(-minDiff, 0), 1);
  return minS > maxDiff ? minS : maxDiff;
}

/**
 * Pr(D_{n,n} >= h/n) for two samples of size n (`_compute_prob_outside_square`):
 * 2·Σ_k (-1)^k binom(2n, n-kh)/binom(2n, n), each term divided by
 * binom(2n, n) first and summed by a Horner-like scheme to avoid
 * cancellation.
 */
function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
  }
  return 2 * P;
}

/**
 * The proportion of lattice paths from (0,0) to (m,n) that leave the band
 * |x/m - y/n| < h/lcm(m,n) (`_compute_outer_prob_inside_method`, from
 * scipy's `_stats_pythran.py`): Hodges' inside method, with Viehmann's
 * recursion (arXiv:2102.08037) that computes 1 - p directly, one sliding
 * window of one column kept.
 */
function probOutsideInsideMethod(m0: number, n0: number, g: number, h: number): number {
  const [m, n] = m0 >= n0 ? [m0, n0] : [n0, m0];
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = ((A[jj + minj - lastminj] as number) * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1] as number;
}

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** numpy's round: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
