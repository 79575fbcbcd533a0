/**
 * The two-sided Kolmogorov-Smirnov distribution for a finite sample size n:
 * Pr(D_n > x), what `scipy.stats.kstwo.sf(x, n)` computes, and what
 * `ks_2samp` uses for its asymptotic p-value.
 *
 * No npm package gives this distribution for finite n (stdlib's kstest has
 * a private Marsaglia-Tsang-Wang routine only), so this is a port of
 * scipy 1.10.1's `scipy/stats/_ksstats.py` (`_kolmogn` with `cdf=False` and
 * the routines it picks from), which follows Simard & L'Ecuyer (2011),
 * "Computing the Two-Sided Kolmogorov-Smirnov Distribution", J. Stat. Softw.
 * 39(11): by n and n·x², Ruben-Gambino's closed forms at the ends, the
 * Durbin matrix (Marsaglia-Tsang-Wang), Pomeranz's recursion, Pelz-Good's
 * asymptotic series, or twice the one-sided Smirnov tail. The branch points
 * are scipy's, so the answers agree with scipy to rounding.
 */
import { smirnovSf } from "./smirnov";

const E128 = 128;
const EP128 = 2 ** 128;
const EM128 = 2 ** -128;
const MIN_LOG = -708;
const SQRT2PI = Math.sqrt(2 * Math.PI);
const LOG_2PI = Math.log(2 * Math.PI);
const SQRT3 = Math.sqrt(3);
const PI_SQUARED = Math.PI ** 2;
const PI_FOUR = Math.PI ** 4;
const PI_SIX = Math.PI ** 6;

/** B_2j / (2j) / (2j-1) for j = 8, ..., 1 (Stirling's series), as in scipy. */
const STIRLING_COEFFS = [
  -2.955065359477124183e-2, 6.4102564102564102564e-3, -1.9175269175269175269e-3, 8.4175084175084175084e-4, -5.952380952380952381e-4,
  7.9365079365079365079e-4, -2.7777777777777777778e-3, 8.3333333333333333333e-2,
];

/**
 * Pr(D_n > x) for the two-sided one-sample statistic, with scipy's support
 * handling (`rv_continuous.sf` over kstwo's support [0.5/n, 1]): 1 at or
 * below 0.5/n, 0 at or above 1, NaN unless n is a positive integer.
 */
export function kolmogorovSf(n: number, x: number): number {
  if (!Number.isInteger(n) || n < 1 || Number.isNaN(x)) return NaN;
  if (x <= 0.5 / n) return 1;
  if (x >= 1) return 0;
  return clip(kolmogn(n, x));
}

/** `_kolmogn(n, x, cdf=False)`. */
function kolmogn(n: number, x: number): number {
  const t = n * x;
  if (t <= 1) {
    // Ruben-Gambino: 1/2n <= x <= 1/n.
    if (t <= 0.5) return 1;
    let cdf: number;
    if (n <= 140) {
      cdf = 1;
      for (let i = 1; i <= n; i++) cdf *= i * (1 / n) * (2 * t - 1);
    } else {
      cdf = Math.exp(logNFactorialDivNPowN(n) + n * Math.log(2 * t - 1));
    }
    return 1 - cdf;
  }
  if (t >= n - 1) return 2 * (1 - x) ** n; // Ruben-Gambino
  if (x >= 0.5) return 2 * smirnovSf(n, x); // exact: twice the one-sided tail
  const nxSquared = t * x;
  if (n <= 140) {
    if (nxSquared <= 0.754693) return 1 - durbinMatrixCdf(n, x);
    if (nxSquared <= 4) return 1 - pomeranzCdf(n, x);
    return 2 * smirnovSf(n, x); // Miller's approximation
  }
  if (nxSquared >= 370) return 0;
  if (nxSquared >= 2.2) return 2 * smirnovSf(n, x);
  // (scipy's CDF-side cut at n·x² >= 18 cannot be reached from here.)
  if (n <= 100000 && n * x ** 1.5 <= 1.4) return 1 - durbinMatrixCdf(n, x);
  return 1 - pelzGoodCdf(n, x);
}

/** log(n! / n^n) by Stirling's series, with n·log(n) taken out first (`_log_nfactorial_div_n_pow_n`). */
function logNFactorialDivNPowN(n: number): number {
  const rn = 1 / n;
  return Math.log(n) / 2 - n + LOG_2PI / 2 + rn * polyval(STIRLING_COEFFS, rn / n);
}

function polyval(coeffs: readonly number[], x: number): number {
  let p = 0;
  for (const c of coeffs) p = p * x + c;
  return p;
}

/**
 * Pr(D_n <= d) by the Durbin matrix algorithm in the Marsaglia-Tsang-Wang
 * form (`_kolmogn_DMTW`): the k-th diagonal entry of (n!/n^n)·H^n, with H of
 * size (2k-1)², by repeated squaring, keeping exponents apart to avoid
 * overflow.
 */
function durbinMatrixCdf(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;

  // v: first column (and, reversed, last row) of H; w[j] = 1/j!.
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - h ** j) * fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;

  let H: Float64Array = new Float64Array(m * m);
  for (let i = 1; i < m; i++) for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1] as number;
  for (let r = 0; r < m; r++) H[r * m] = v[r] as number;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c] as number;

  let Hpwr: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) Hpwr[i * m + i] = 1;
  let nn = n;
  let expnt = 0;
  let Hexpnt = 0;
  const diagonal = (k - 1) * m + (k - 1);
  while (nn > 0) {
    if (nn % 2 === 1) {
      Hpwr = matmul(Hpwr, H, m);
      expnt += Hexpnt;
    }
    H = matmul(H, H, m);
    Hexpnt *= 2;
    if (Math.abs(H[diagonal] as number) > EP128) {
      for (let i = 0; i < H.length; i++) H[i] = (H[i] as number) / EP128;
      Hexpnt += E128;
    }
    nn = Math.floor(nn / 2);
  }

  let p = Hpwr[diagonal] as number;
  // Multiply by n!/n^n.
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= EP128;
      expnt -= E128;
    }
  }
  if (expnt !== 0) p = ldexp(p, expnt);
  return clip(p);
}

function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    const row = i * m;
    for (let l = 0; l < m; l++) {
      const ail = a[row + l] as number;
      if (ail === 0) continue;
      const bRow = l * m;
      for (let j = 0; j < m; j++) out[row + j] = (out[row + j] as number) + ail * (b[bRow + j] as number);
    }
  }
  return out;
}

/** The ends of the interval of row i in Pomeranz's recursion (`_pomeranz_compute_j1j2`). */
function pomeranzInterval(i: number, n: number, ll: number, ceilf: number, roundf: number): [number, number] {
  let j1: number;
  let j2: number;
  if (i === 0) {
    j1 = -ll - ceilf - 1;
    j2 = ll + ceilf - 1;
  } else {
    const ip1div2 = Math.floor((i + 1) / 2);
    const ip1mod2 = (i + 1) % 2;
    if (ip1mod2 === 0) {
      if (ip1div2 === n + 1) {
        j1 = n - ll - ceilf - 1;
        j2 = n + ll + ceilf - 1;
      } else {
        j1 = ip1div2 - 1 - ll - roundf - 1;
        j2 = ip1div2 + ll - 1 + ceilf - 1;
      }
    } else {
      j1 = ip1div2 - 1 - ll - 1;
      j2 = ip1div2 + ll + roundf - 1;
    }
  }
  return [Math.max(j1 + 2, 0), Math.min(j2, n)];
}

/**
 * Pr(D_n <= x) by Pomeranz's recursion (`_kolmogn_Pomeranz`): each row the
 * convolution of the previous one with (almost) Poisson probabilities, two
 * rows kept, rescaled against underflow.
 */
function pomeranzCdf(n: number, x: number): number {
  const t = n * x;
  const ll = Math.floor(t);
  const f = t - ll;
  const g = Math.min(f, 1 - f);
  const ceilf = f > 0 ? 1 : 0;
  const roundf = f > 0.5 ? 1 : 0;
  const npwrs = 2 * (ll + 1);
  const gpower = new Float64Array(npwrs);
  const twogpower = new Float64Array(npwrs);
  const onem2gpower = new Float64Array(npwrs);
  gpower[0] = 1;
  twogpower[0] = 1;
  onem2gpower[0] = 1;
  let expnt = 0;
  const gOverN = g / n;
  const twoGOverN = (2 * g) / n;
  const oneMinusTwoGOverN = (1 - 2 * g) / n;
  for (let m = 1; m < npwrs; m++) {
    gpower[m] = ((gpower[m - 1] as number) * gOverN) / m;
    twogpower[m] = ((twogpower[m - 1] as number) * twoGOverN) / m;
    onem2gpower[m] = ((onem2gpower[m - 1] as number) * oneMinusTwoGOverN) / m;
  }

  let V0 = new Float64Array(npwrs);
  let V1 = new Float64Array(npwrs);
  V1[0] = 1;
  let V0s = 0;
  let V1s = 0;
  let [j1, j2] = pomeranzInterval(0, n, ll, ceilf, roundf);
  for (let i = 1; i < 2 * n + 2; i++) {
    const k1 = j1;
    [V0, V1] = [V1, V0];
    [V0s, V1s] = [V1s, V0s];
    V1.fill(0);
    [j1, j2] = pomeranzInterval(i, n, ll, ceilf, roundf);
    const pwrs = i === 1 || i === 2 * n + 1 ? gpower : i % 2 === 1 ? twogpower : onem2gpower;
    const ln2 = j2 - k1 + 1;
    if (ln2 > 0) {
      const conv = convolve(slice(V0, k1 - V0s, k1 - V0s + ln2), slice(pwrs, 0, ln2));
      const convStart = j1 - k1;
      const convLen = j2 - j1 + 1;
      V1.set(slice(conv, convStart, convStart + convLen));
      let max = -Infinity;
      for (const value of V1) if (value > max) max = value;
      if (max > 0 && max < EM128) {
        for (let j = 0; j < V1.length; j++) V1[j] = (V1[j] as number) * EP128;
        expnt -= E128;
      }
      V1s = V0s + j1 - k1;
    }
  }

  // Multiply by n!.
  let ans = V1[n - V1s] as number;
  for (let m = 1; m <= n; m++) {
    if (Math.abs(ans) > EP128) {
      ans *= EM128;
      expnt += E128;
    }
    ans *= m;
  }
  if (expnt !== 0) ans = ldexp(ans, expnt);
  return clip(ans);
}

/** numpy's basic slicing for non-negative bounds: clamped to the array. */
function slice(a: Float64Array, start: number, end: number): Float64Array {
  return a.subarray(Math.min(start, a.length), Math.min(Math.max(end, start), a.length));
}

/** `np.convolve(a, v)`, mode "full". */
function convolve(a: Float64Array, v: Float64Array): Float64Array {
  if (a.length === 0 || v.length === 0) return new Float64Array(0);
  const out = new Float64Array(a.length + v.length - 1);
  for (let i = 0; i < a.length; i++) {
    const ai = a[i] as number;
    for (let j = 0; j < v.length; j++) out[i + j] = (out[i + j] as number) + ai * (v[j] as number);
  }
  return out;
}

/**
 * Pr(D_n <= x) by Pelz-Good's approximation (`_kolmogn_PelzGood`): the
 * Li-Chien/Korolyuk expansion K0 + K1/√n + K2/n + K3/n^1.5, each term put in
 * a form that converges fast for small z = x√n through Jacobi's theta
 * functions.
 */
function pelzGoodCdf(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const zsquared = z ** 2;
  const zthree = z ** 3;
  const zfour = z ** 4;
  const zsix = z ** 6;

  const qlog = -PI_SQUARED / 8 / zsquared;
  if (qlog < MIN_LOG) return 0; // z ~ 0.041743441416853426
  let q = Math.exp(qlog);

  const k1a = -zsquared;
  const k1b = PI_SQUARED / 4;
  const k2a = 6 * zsix + 2 * zfour;
  const k2b = ((2 * zfour - 5 * zsquared) * PI_SQUARED) / 4;
  const k2c = (PI_FOUR * (1 - 2 * zsquared)) / 16;
  const k3d = (PI_SIX * (5 - 30 * zsquared)) / 64;
  const k3c = (PI_FOUR * (-60 * zsquared + 212 * zfour)) / 16;
  const k3b = (PI_SQUARED * (135 * zfour - 96 * zsix)) / 4;
  const k3a = -30 * zsix - 90 * z ** 8;

  // Horner's scheme over sum c_i q^(i²), a sum over odd integers.
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const msquared = m ** 2;
    const mfour = m ** 4;
    const msix = m ** 6;
    const qpower = q ** (8 * k);
    const coeffs = [1, k1a + k1b * msquared, k2a + k2b * msquared + k2c * mfour, k3a + k3b * msquared + k3c * mfour + k3d * msix];
    for (let i = 0; i < 4; i++) K[i] = (K[i] as number) * qpower + (coeffs[i] as number);
  }
  const divisors = [z, 6 * zfour, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = ((K[i] as number) * q * SQRT2PI) / (divisors[i] as number);

  // The other sums, over all integers k, for K2 and K3.
  q = Math.exp(-PI_SQUARED / 2 / zsquared);
  const sqrt3z = SQRT3 * z;
  let k2extra = 0;
  let k3extra = 0;
  for (let k = maxk; k > 0; k--) {
    const ksquared = k ** 2;
    const qpwer = q ** ksquared;
    const kspi = Math.PI * k;
    k2extra += ksquared * qpwer;
    k3extra += (sqrt3z + kspi) * (sqrt3z - kspi) * ksquared * qpwer;
  }
  K[2] = (K[2] as number) + (k2extra * PI_SQUARED * SQRT2PI) / (-36 * zthree);
  K[3] = (K[3] as number) + (k3extra * PI_SQUARED * SQRT2PI) / (216 * zsix);
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += (K[i] as number) / n ** (i / 2);
  return sum;
}

/** x·2^e, in steps so that neither 2^e nor an intermediate product overflows needlessly. */
function ldexp(x: number, e: number): number {
  let value = x;
  let rest = e;
  while (rest > 1023) {
    value *= 2 ** 1023;
    rest -= 1023;
  }
  while (rest < -1022) {
    value *= 2 ** -1022;
    rest += 1022;
  }
  return value * 2 ** rest;
}

function clip(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}
