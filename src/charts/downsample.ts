/** A point of a series. */
export interface XY {
  x: number;
  y: number;
}

/**
 * At most about `max` points of a series, keeping its shape: the points are
 * split into buckets along x, and each bucket keeps its first, last, lowest
 * and highest points (in x order). Extremes survive, so a spike in a loss
 * curve still shows. Series already short enough come back as they are.
 *
 * @example
 * ```ts
 * downsample(history.map((p) => ({ x: p.step, y: p.value })), 1000);
 * ```
 */
export function downsample<P extends XY>(points: readonly P[], max = 1000): P[] {
  if (points.length <= max) return [...points];
  const buckets = Math.max(1, Math.floor(max / 4));
  const size = points.length / buckets;
  const out: P[] = [];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size);
    const end = Math.min(points.length, Math.floor((b + 1) * size));
    if (end <= start) continue;
    let lo = start;
    let hi = start;
    for (let i = start; i < end; i++) {
      if ((points[i] as P).y < (points[lo] as P).y) lo = i;
      if ((points[i] as P).y > (points[hi] as P).y) hi = i;
    }
    for (const i of [...new Set([start, lo, hi, end - 1])].sort((a, c) => a - c)) out.push(points[i] as P);
  }
  return out;
}
