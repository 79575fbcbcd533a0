import type { RunStore } from "./run-store";
import { checkMetric } from "./value-checks";
import type { MetricPointInput, RunId } from "./types";

/** A point as the buffer holds it: its step and time fixed when it is logged, not when it is written. */
type BufferedPoint = Required<MetricPointInput>;

/**
 * Metric points on their way to the store, written in batches: a training
 * loop that logs every batch pays one transaction per `maxPoints` points or
 * per `maxDelayMs`, not one per point. Invalid points are refused at once,
 * where they are logged. `flush()` writes what is pending (the workbench
 * calls it at each step's end and when the run ends).
 */
export class MetricBuffer {
  private pending: BufferedPoint[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: RunStore,
    private readonly run: RunId,
    readonly maxPoints = 1000,
    readonly maxDelayMs = 250,
  ) {}

  add(points: readonly BufferedPoint[]): void {
    for (const p of points) checkMetric(p.key, p.value, p.step);
    for (const p of points) this.pending.push(p);
    if (this.pending.length >= this.maxPoints) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flushFromTimer(), this.maxDelayMs);
      // Pending points must not keep a finished script alive: the exit hook flushes them.
      this.timer.unref();
    }
  }

  /**
   * Writes every pending point now, in one transaction. A write that fails (a
   * full disk) keeps its points for the next flush, and throws.
   */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      this.store.logMetrics(this.run, batch);
    } catch (error) {
      // Kept for the next attempt: a full disk may have room again later.
      this.pending = [...batch, ...this.pending];
      throw error;
    }
  }

  /**
   * The flush of the timer, which nobody awaits: a failure must not escape as an
   * uncaught exception that kills a script. The points stay pending; the next
   * flush (a step's end, the run's end) retries them and says what failed.
   */
  private flushFromTimer(): void {
    try {
      this.flush();
    } catch {
      // reported by the next flush
    }
  }

  get size(): number {
    return this.pending.length;
  }
}
