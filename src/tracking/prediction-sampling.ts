/**
 * Which served predictions are logged at a sample rate r: each one is kept
 * with probability r, independently of the others (so a pattern in the
 * traffic, such as every other request from one client, is not aliased into
 * the sample). The draw is counter-based: call number i of a log (from 0) is
 * kept when mix(seed, i) / 2^32 < r, mix being a 32-bit integer hash. So the
 * same seed and the same sequence of calls keep the same calls, and over n
 * calls about n·r are kept (binomially: the spread is sqrt(n·r·(1-r))).
 *
 * A hash of the counter rather than ml's seededRandom: ml/ reaches tracking/
 * (through display/), so tracking/ cannot import it without a cycle.
 */

/** A 32-bit integer hash with full avalanche ("lowbias32", Chris Wellons's hash-prospector). */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Keeps each call with probability `rate`, deterministically for a seed. */
export class PredictionSampler {
  private calls = 0;
  /** A draw below this keeps the call: rate · 2^32 (2^32 for rate 1, above every draw). */
  private readonly threshold: number;

  constructor(
    readonly rate: number,
    readonly seed: number,
  ) {
    this.threshold = rate * 2 ** 32;
  }

  /** Whether the next call is kept. */
  keep(): boolean {
    const i = this.calls++;
    if (this.threshold >= 2 ** 32) return true;
    if (this.threshold <= 0) return false;
    const high = Math.floor(i / 2 ** 32) >>> 0;
    return mix32((i >>> 0) ^ mix32((this.seed + Math.imul(high, 0x9e3779b9)) >>> 0)) < this.threshold;
  }
}
