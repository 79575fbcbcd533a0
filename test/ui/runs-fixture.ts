/**
 * Generated runs for the page tests: deterministic params and metric
 * histories written with the store's batch writes (one logMetrics per run),
 * so that 10,000 runs x 20 metrics fill in seconds for browser tests and
 * benches as well as a few hundred for the unit tests.
 */
import type { ExperimentStore, MetricPointInput, RunId } from "../../src/tracking";

export interface RunsFixture {
  /** Runs to create. */
  runs: number;
  experiment?: string;
  /** Metrics per run besides loss and accuracy (metric_2, metric_3, ...): `metrics` in all. Default 2. */
  metrics?: number;
  /** Points per metric history. Default 10. */
  steps?: number;
}

/** The model names runs cycle through, and the learning rates. */
export const MODELS = ["mlp", "cnn", "linear"] as const;
export const LEARNING_RATES = [0.001, 0.01, 0.1, 0.3] as const;

/** A run's final accuracy as the fixture writes it: a function of its index, so that tests can predict filters and sorts. */
export function finalAccuracy(i: number): number {
  return 0.5 + ((i * 7919) % 500) / 1000;
}

/** Fills `store` with runs (finished, each with params, tags and metric histories) and returns their ids in creation order. */
export function fillRuns(store: ExperimentStore, fixture: RunsFixture): RunId[] {
  const experiment = fixture.experiment ?? "sweep";
  const metrics = Math.max(2, fixture.metrics ?? 2);
  const steps = Math.max(1, fixture.steps ?? 10);
  const ids: RunId[] = [];
  for (let i = 0; i < fixture.runs; i++) {
    const run = store.createRun({ experiment, sourceKind: "script", sourcePath: "train.ts", name: `run-${i}` });
    store.logParams(run, { lr: LEARNING_RATES[i % LEARNING_RATES.length] as number, model: MODELS[i % MODELS.length] as string, seed: i, batch: 32 });
    const accuracy = finalAccuracy(i);
    const points: MetricPointInput[] = [];
    for (let step = 0; step < steps; step++) {
      const t = steps === 1 ? 1 : step / (steps - 1);
      // loss falls to its lowest at two thirds of the way and rises a little after: min and last differ.
      points.push({ key: "loss", step, value: 1 - accuracy * (t <= 2 / 3 ? t * 1.5 : 1 - (t - 2 / 3) * 0.3) });
      points.push({ key: "accuracy", step, value: accuracy * t });
      for (let m = 2; m < metrics; m++) points.push({ key: `metric_${m}`, step, value: (i % 97) * t + m });
    }
    store.logMetrics(run, points);
    if (i % 10 === 0) store.setTag(run, "group", `g${i % 30}`);
    store.endRun(run, "finished");
    ids.push(run);
  }
  return ids;
}

/** The lowest and highest loss the fixture logs for run index `i` with `steps` points. */
export function lossRange(i: number, steps = 10): { min: number; max: number } {
  const accuracy = finalAccuracy(i);
  const values = Array.from({ length: steps }, (_, step) => {
    const t = steps === 1 ? 1 : step / (steps - 1);
    return 1 - accuracy * (t <= 2 / 3 ? t * 1.5 : 1 - (t - 2 / 3) * 0.3);
  });
  return { min: Math.min(...values), max: Math.max(...values) };
}
