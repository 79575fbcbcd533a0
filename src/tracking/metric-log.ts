/**
 * Logging metric points. A batch is written in one transaction to three
 * tables: the history (metrics), each metric's final value (metric_finals, the
 * value at the highest step, what comparisons read) and each block of 64
 * steps' extremes (metric_blocks, what a chart of a long history reads). The
 * batch is summarized in JavaScript first, so that finals and blocks cost one
 * upsert per metric and per block, not per point.
 */
import type { StoreConnection } from "./connection";
import { METRIC_BLOCK_SHIFT } from "./schema";
import { checkMetric } from "./value-checks";
import type { MetricPointInput, RunId } from "./types";

/** Steps a row of metric_blocks covers. */
const METRIC_BLOCK_STEPS = 2 ** METRIC_BLOCK_SHIFT;

/** A metric's last point in a batch. */
interface Final {
  value: number;
  step: number;
  ts: number;
}

/** A block's lowest and highest point in a batch, merged into metric_blocks. */
interface BlockExtremes {
  n: number;
  minStep: number;
  minValue: number;
  maxStep: number;
  maxValue: number;
}

/** Per metric, its final point and the extremes of each block the batch touches. */
export interface BatchSummary {
  finals: Map<string, Final>;
  blocks: Map<string, Map<number, BlockExtremes>>;
}

export function logMetrics(conn: StoreConnection, run: RunId, points: readonly MetricPointInput[]): void {
  if (points.length === 0) return;
  for (const p of points) checkMetric(p.key, p.value, p.step);
  const now = Date.now();
  const { finals, blocks } = summarize(points, now);
  const insert = conn.stmt("INSERT INTO metrics (run_id, key, value, step, ts_ms) VALUES (?, ?, ?, ?, ?)");
  const final = conn.stmt(
    `INSERT INTO metric_finals (run_id, key, value, step, ts_ms) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, step = excluded.step, ts_ms = excluded.ts_ms
     WHERE excluded.step >= metric_finals.step`,
  );
  // In an UPDATE, the right-hand sides all read the row as it was: the steps compare with the old extremes.
  const block = conn.stmt(
    `INSERT INTO metric_blocks (run_id, key, block, n, min_step, min_value, max_step, max_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (run_id, key, block) DO UPDATE SET
       n = n + excluded.n,
       min_step = CASE WHEN excluded.min_value < min_value THEN excluded.min_step ELSE min_step END,
       min_value = min(min_value, excluded.min_value),
       max_step = CASE WHEN excluded.max_value > max_value THEN excluded.max_step ELSE max_step END,
       max_value = max(max_value, excluded.max_value)`,
  );
  conn.write(`log ${points.length === 1 ? "a metric point" : `${points.length} metric points`} to run ${run}`, () => {
    for (const p of points) insert.run(run, p.key, p.value, p.step ?? 0, p.tsMs ?? now);
    for (const [key, f] of finals) final.run(run, key, f.value, f.step, f.ts);
    for (const [key, ofKey] of blocks) for (const [n, b] of ofKey) block.run(run, key, n, b.n, b.minStep, b.minValue, b.maxStep, b.maxValue);
  });
}

/** The final point of each metric of a batch, and each block's lowest and highest point in it. */
export function summarize(points: readonly MetricPointInput[], now: number): BatchSummary {
  const finals = new Map<string, Final>();
  const blocks = new Map<string, Map<number, BlockExtremes>>();
  for (const p of points) {
    const step = p.step ?? 0;
    const last = finals.get(p.key);
    if (!last || step >= last.step) finals.set(p.key, { value: p.value, step, ts: p.tsMs ?? now });
    let ofKey = blocks.get(p.key);
    if (!ofKey) blocks.set(p.key, (ofKey = new Map()));
    const block = Math.floor(step / METRIC_BLOCK_STEPS);
    const b = ofKey.get(block);
    if (!b) ofKey.set(block, { n: 1, minStep: step, minValue: p.value, maxStep: step, maxValue: p.value });
    else widen(b, step, p.value);
  }
  return { finals, blocks };
}

function widen(b: BlockExtremes, step: number, value: number): void {
  b.n += 1;
  if (value < b.minValue) {
    b.minStep = step;
    b.minValue = value;
  }
  if (value > b.maxValue) {
    b.maxStep = step;
    b.maxValue = value;
  }
}
