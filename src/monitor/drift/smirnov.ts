/**
 * The one-sided Kolmogorov-Smirnov (Smirnov) distribution: Pr(D+_n > x),
 * what `scipy.special.smirnov(n, x)` computes; the two-sided distribution
 * (kolmogorov.ts) uses twice this in its upper tail.
 *
 * A port of scipy 1.10.1's `scipy/special/cephes/kolmogorov.c` (`_smirnov`,
 * after van Mulbregt, "Computing the CDF and quantiles of the one-sided
 * Kolmogorov-Smirnov statistic", arXiv:1802.06966): the Birnbaum-Tingey sum
 *
 *   Pr(D+_n > x) = x · Σ_{v=0}^{⌊n(1-x)⌋} C(n,v) (x + v/n)^(v-1) (1 - x - v/n)^(n-v)
 *
 * with scipy's special cases, branch points and early stop. scipy sums in
 * double-double arithmetic; here each term is formed from logarithms in
 * doubles, with n·x split exactly (Dekker's product) so that x + v/n and
 * 1 - x - v/n keep their precision, and the log-binomials summed with compensation. The terms
 * are all positive, so nothing cancels: the result agrees with scipy to
 * about 1e-12 relative, n up to a million included (test/fixtures/drift).
 */

/** cephes' MINLOG, log(2^-1022): exp() of anything less is not a normal double. */
const MINLOG = -708.3964185322641;
/** Below this, exp() underflows to 0: such a term counts as zero, as scipy's does. */
const LOG_MIN_DOUBLE = Math.log(Number.MIN_VALUE);
const LOG_EPSILON = Math.log(Number.EPSILON);
/** Larger n takes the approximation exp(-(6nx+1)²/18n), as scipy does. */
const SMIRNOV_MAX_COMPUTE_N = 1_000_000;
/** The upper sum is used only for this many terms at most, from n = SM_UPPERSUM_MIN_N. */
const SM_UPPER_MAX_TERMS = 3;
const SM_UPPERSUM_MIN_N = 10;

/** Pr(D+_n > x) for an integer n >= 1 and 0 <= x <= 1 (NaN outside). */
export function smirnovSf(n: number, x: number): number {
  if (!(n > 0 && x >= 0 && x <= 1)) return NaN;
  if (n === 1) return 1 - x;
  if (x === 0) return 1;
  if (x === 1) return 0;

  // floor(n·x) and its remainder, exactly.
  const [nxHi, nxLo] = twoProduct(n, x);
  let nxfl = Math.floor(nxHi);
  let alpha = nxHi - nxfl + nxLo;
  if (alpha < 0) {
    nxfl -= 1;
    alpha += 1;
  }
  if (alpha >= 1) {
    nxfl += 1;
    alpha = 0;
  }
  let n1mxfl = n - nxfl - (alpha === 0 ? 0 : 1);
  let n1mxceil = n - nxfl;
  // When n·x is an integer, the last term belongs to neither sum.
  if (alpha === 0) {
    n1mxfl -= 1;
    n1mxceil += 1;
  }

  // x <= 1/n
  if (nxfl === 0 || (nxfl === 1 && alpha === 0)) return 1 - x * Math.exp((n - 1) * Math.log1p(x));
  // The SF underflows.
  if (-2 * n * x * x < MINLOG) return 0;
  // x >= 1 - 1/n
  if (nxfl >= n - 1) return (1 - x) ** n;
  if (n > SMIRNOV_MAX_COMPUTE_N) {
    const logp = -((6 * n * x + 1) ** 2) / 18 / n;
    return logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp);
  }

  const nUpperTerms = n - n1mxceil + 1;
  const useUpperSum = (nUpperTerms <= 1 && x < 0.5) || (n >= SM_UPPERSUM_MIN_N && nUpperTerms <= SM_UPPER_MAX_TERMS && x <= 0.5 / Math.sqrt(n));
  if (useUpperSum) return clip(1 - x * upperSum(n, x, nUpperTerms));
  return clip(Math.exp(Math.log(x) + logLowerSum(n, x, nxHi, nxLo, n1mxfl + 1)));
}

/**
 * log Σ_{v=0}^{terms-1} A_v, A_v = C(n,v)(1-x-v/n)^(n-v)(x+v/n)^(v-1): each
 * term from logarithms, the sum kept as a scale and a mantissa so that
 * neither overflows nor underflows.
 */
function logLowerSum(n: number, x: number, nxHi: number, nxLo: number, terms: number): number {
  let scale = n * Math.log1p(-x) - Math.log(x); // A_0 = (1-x)^n / x
  let mantissa = 1;
  // log C(n, v), summed with Neumaier's compensation: over thousands of terms a plain sum would lose 1e-8.
  let logC = Math.log(n); // C(n, 1)
  let logCError = 0;
  const vmid = Math.floor(n / 2);
  for (let v = 1; v < terms; v++) {
    const xPlusVn = (v + nxHi + nxLo) / n;
    // log(1 - x - v/n): by log1p while x + v/n is small, else from the exact difference n - v - n·x.
    const logRest = xPlusVn < 0.5 ? Math.log1p(-xPlusVn) : Math.log((n - v - nxHi - nxLo) / n);
    const logTerm = logC + logCError + (n - v) * logRest + (v - 1) * Math.log(xPlusVn);
    const zero = logTerm < LOG_MIN_DOUBLE;
    if (!zero) {
      if (logTerm > scale) {
        mantissa = mantissa * Math.exp(scale - logTerm) + 1;
        scale = logTerm;
      } else {
        mantissa += Math.exp(logTerm - scale);
      }
      // Safe to stop: what is left cannot change the sum.
      if (Math.log(4 * (terms - v)) + logTerm < LOG_EPSILON + scale + Math.log(mantissa) && v !== terms - 1) break;
    } else if (v > vmid) {
      break;
    }
    const step = Math.log((n - v) / (v + 1));
    const sum = logC + step;
    logCError += Math.abs(logC) >= Math.abs(step) ? logC - sum + step : step - sum + logC;
    logC = sum;
  }
  return scale + Math.log(mantissa);
}

/**
 * Σ A_v over the few terms v = n, n-1, ... of the upper sum (at most
 * SM_UPPER_MAX_TERMS, all moderate in size): Pr(D+_n <= x) = x · this.
 */
function upperSum(n: number, x: number, terms: number): number {
  let sum = (1 + x) ** (n - 1); // A_n
  let binomial = n; // C(n, n-1)
  for (let j = 1; j < terms; j++) {
    const v = n - j;
    sum += binomial * ((n - v) / n - x) ** (n - v) * (x + v / n) ** (v - 1);
    binomial = (binomial * (n - j)) / (j + 1);
  }
  return sum;
}

/** a·b as an unevaluated sum hi + lo, exactly (Dekker's product with Veltkamp's split). */
function twoProduct(a: number, b: number): [number, number] {
  const p = a * b;
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

function split(a: number): [number, number] {
  const c = 134217729 * a; // 2^27 + 1
  const hi = c - (c - a);
  return [hi, a - hi];
}

function clip(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}
