/**
 * Reading a metric's history, whole or thinned for a chart. A thinned history
 * keeps each bucket's lowest and highest point (so spikes survive). It is read
 * from metric_blocks while there are few enough blocks per point asked for,
 * and otherwise with two small indexed queries per bucket of the history
 * itself, so that neither a long history nor many runs is read point by point.
 */
import type { StoreConnection } from "./connection";
import type { HistoryOptions, MetricPoint, RunId } from "./types";

/** A thinned history reads metric_blocks while it has at most this many blocks a point asked for; beyond, it queries buckets of the history itself. */
const BLOCKS_PER_POINT_MAX = 32;

/** A row of metric_blocks: a block's lowest and highest point. */
export interface BlockRow {
  min_step: number;
  min_value: number;
  max_step: number;
  max_value: number;
}

export function metricHistory(conn: StoreConnection, run: RunId, key: string, options: HistoryOptions = {}): MetricPoint[] {
  const max = options.maxPoints;
  if (max !== undefined) {
    const summary = conn.stmt("SELECT sum(n) AS n, count(*) AS blocks FROM metric_blocks WHERE run_id = ? AND key = ?").get(run, key) as { n: number | null; blocks: number };
    if ((summary.n ?? 0) <= max) return fullHistory(conn, run, key);
    if (summary.blocks <= BLOCKS_PER_POINT_MAX * max) {
      // Each block's extremes, kept as the points were logged: one small read, however long the history.
      const blocks = conn.stmt("SELECT min_step, min_value, max_step, max_value FROM metric_blocks WHERE run_id = ? AND key = ? ORDER BY block").all(run, key) as BlockRow[];
      return thinBlocks(blocks, max);
    }
    const thinned = thinByBuckets(conn, run, key, max);
    if (thinned) return thinned;
  }
  return fullHistory(conn, run, key);
}

function fullHistory(conn: StoreConnection, run: RunId, key: string): MetricPoint[] {
  const rows = conn.stmt("SELECT step, value, ts_ms FROM metrics WHERE run_id = ? AND key = ? ORDER BY step, rowid").all(run, key) as {
    step: number;
    value: number;
    ts_ms: number;
  }[];
  return rows.map((r) => ({ step: r.step, value: r.value, tsMs: r.ts_ms }));
}

/**
 * A history of at most about `max` points from its blocks' extremes: the
 * blocks are grouped, in step order, into max / 2 buckets, and each bucket
 * gives its lowest and its highest point, in step order.
 */
export function thinBlocks(blocks: readonly BlockRow[], max: number): MetricPoint[] {
  const perBucket = Math.max(1, Math.ceil(blocks.length / Math.max(1, Math.floor(max / 2))));
  const points: MetricPoint[] = [];
  for (let start = 0; start < blocks.length; start += perBucket) {
    let lo = blocks[start] as BlockRow;
    let hi = lo;
    for (let i = start + 1; i < Math.min(blocks.length, start + perBucket); i++) {
      const b = blocks[i] as BlockRow;
      if (b.min_value < lo.min_value) lo = b;
      if (b.max_value > hi.max_value) hi = b;
    }
    const pair = lo.min_step <= hi.max_step ? [[lo.min_step, lo.min_value], [hi.max_step, hi.max_value]] : [[hi.max_step, hi.max_value], [lo.min_step, lo.min_value]];
    for (const [step, value] of pair as [number, number][]) if (points.at(-1)?.step !== step) points.push({ step, value, tsMs: 0 });
  }
  return points;
}

/**
 * A history of at most about `max` points, read bucket by bucket from the
 * history itself (for one with too many blocks to read them all); undefined
 * when it holds no more than `max` points, to be read whole.
 */
function thinByBuckets(conn: StoreConnection, run: RunId, key: string, max: number): MetricPoint[] | undefined {
  const span = conn.stmt("SELECT count(*) AS n, min(step) AS lo, max(step) AS hi FROM metrics WHERE run_id = ? AND key = ?").get(run, key) as {
    n: number;
    lo: number | null;
    hi: number | null;
  };
  if (!(span.n > max && span.lo !== null && span.hi !== null)) return undefined;
  // One small query per bucket for its lowest and one for its highest point: each reads its
  // slice of the covering index (run_id, key, step, value) and nothing else. SQLite returns the
  // other columns of the row that holds a min() or max().
  const buckets = Math.max(1, Math.floor(max / 2));
  const width = (span.hi - span.lo + 1) / buckets;
  const lowest = conn.stmt("SELECT step, min(value) AS value FROM metrics WHERE run_id = ? AND key = ? AND step >= ? AND step < ?");
  const highest = conn.stmt("SELECT step, max(value) AS value FROM metrics WHERE run_id = ? AND key = ? AND step >= ? AND step < ?");
  const points: MetricPoint[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = span.lo + Math.ceil(b * width);
    const to = b === buckets - 1 ? span.hi + 1 : span.lo + Math.ceil((b + 1) * width);
    const lo = lowest.get(run, key, from, to) as { step: number | null; value: number | null };
    const hi = highest.get(run, key, from, to) as { step: number | null; value: number | null };
    if (lo.step === null || hi.step === null) continue;
    const pair = lo.step <= hi.step ? [lo, hi] : [hi, lo];
    for (const p of pair) if (points.at(-1)?.step !== p.step) points.push({ step: p.step as number, value: p.value as number, tsMs: 0 });
  }
  return points;
}
