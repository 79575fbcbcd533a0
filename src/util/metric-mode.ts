/**
 * Which way is better for a metric, from its name: lower for losses and
 * errors (loss, error, mae, mse, rmse, and names built on them such as
 * val_loss or test_rmse), higher for everything else (accuracy, f1, auc, r2).
 *
 * The one rule for "best": the store's bestRun, `pipelab runs best`, the runs
 * tables and charts, sweeps, and early stopping all judge by it, and an
 * explicit mode (`--min`, `--max`, `mode:`) overrides it.
 *
 * @example
 * ```ts
 * metricMode("val_loss"); // "min"
 * metricMode("test_accuracy"); // "max"
 * ```
 */
export function metricMode(metric: string): "min" | "max" {
  return /loss|error|mae|mse|rmse/i.test(metric) ? "min" : "max";
}
