/**
 * Monitoring a served pipeline: the inputs its server logged, compared with
 * the training reference its package carries, over the whole period and
 * window by window; the results recorded as metrics of a monitoring run,
 * so they compare and chart like any run.
 */
import { ColumnarTable } from "../data";
import { DataError } from "../errors";
import type { LoadedPipeline } from "../deploy";
import { ExperimentStore } from "../tracking";
import type { RunId, RunStore } from "../tracking";
import { datasetDrift } from "./drift";
import type { DatasetDrift, DatasetDriftOptions } from "./drift";

/** The drift of one time window of the logged inputs. */
export interface DriftWindow {
  readonly from: string;
  readonly to: string;
  readonly rows: number;
  readonly drift: DatasetDrift;
}

/** What `monitorPipeline` found. */
export interface MonitorReport {
  readonly kind: "pipelab.monitor";
  readonly pipeline: string;
  /** The period the logged inputs cover. */
  readonly from: string | null;
  readonly to: string | null;
  readonly reference: ColumnarTable;
  readonly current: ColumnarTable;
  /** All the logged inputs of the period against the reference. */
  readonly drift: DatasetDrift;
  /** The same, window by window (oldest first), to see when it started. */
  readonly windows: readonly DriftWindow[];
  /** The monitoring run the results were recorded in, if they were. */
  readonly runId: RunId | null;
}

export interface MonitorOptions extends DatasetDriftOptions {
  /** Only inputs logged at or after this time. */
  since?: Date | string;
  /** How many windows of equal row counts to split the period into. Default 4 (fewer with few rows). */
  windows?: number;
  /** Record the results as a monitoring run in the store. Default true. */
  record?: boolean;
  /** At most this many logged inputs, the newest. Default 200,000. */
  limit?: number;
}

/** A window has at least this many rows, else the windows are fewer. */
const MIN_WINDOW_ROWS = 30;

/**
 * Compares the inputs a server logged for `pipeline` (the predictions of
 * its model's run) with the package's training reference.
 *
 * @example
 * ```ts
 * const report = await monitorPipeline(await loadPipeline("packages/penguins"), store, { since: "2026-11-01" });
 * report.drift.drifted;   // at least half the columns drifted
 * ```
 */
export async function monitorPipeline(pipeline: LoadedPipeline, store: RunStore, options: MonitorOptions = {}): Promise<MonitorReport> {
  if (!(store instanceof ExperimentStore)) {
    throw new DataError(`${store.path} keeps no served predictions (the shared PostgreSQL store has no predictions table yet): monitor with the SQLite store the server logged to, or compare tables with datasetDrift(reference, current)`);
  }
  const modelRun = pipeline.manifest.run?.id;
  if (modelRun === undefined) {
    throw new DataError(`the package ${pipeline.dir} does not say which run trained its model, so its logged predictions cannot be found: package it from a run (pipelab package RUN_ID)`);
  }
  const logged = store.listPredictions({ modelRun, ...(options.since === undefined ? {} : { since: options.since }), limit: options.limit ?? 200_000 }).reverse();
  if (logged.length === 0) {
    throw new DataError(
      `no predictions of run ${modelRun}'s model are logged in ${store.path}${options.since === undefined ? "" : ` since ${String(options.since)}`}: serve the package with \`pipelab serve\` (it logs what it is sent), or compare tables with datasetDrift(reference, current)`,
    );
  }
  const reference = await pipeline.reference();
  const current = inputsTable(pipeline, logged.map((p) => p.inputs));
  const drift = datasetDrift(reference, current, options);
  const count = Math.max(1, Math.min(options.windows ?? 4, Math.floor(logged.length / MIN_WINDOW_ROWS)));
  const windows: DriftWindow[] = [];
  for (let w = 0; w < count; w++) {
    const start = Math.floor((w * logged.length) / count);
    const end = Math.floor(((w + 1) * logged.length) / count);
    const part = logged.slice(start, end);
    windows.push({
      from: new Date((part[0] as (typeof logged)[number]).tsMs).toISOString(),
      to: new Date((part[part.length - 1] as (typeof logged)[number]).tsMs).toISOString(),
      rows: part.length,
      drift: datasetDrift(reference, current.slice(start, end), options),
    });
  }
  const report: MonitorReport = {
    kind: "pipelab.monitor",
    pipeline: pipeline.name,
    from: new Date((logged[0] as (typeof logged)[number]).tsMs).toISOString(),
    to: new Date((logged[logged.length - 1] as (typeof logged)[number]).tsMs).toISOString(),
    reference,
    current,
    drift,
    windows,
    runId: null,
  };
  return options.record === false ? report : { ...report, runId: recordMonitoring(store, pipeline, report) };
}

/** The logged inputs as a table typed by the signature (numbers as numbers, text as categories). */
function inputsTable(pipeline: LoadedPipeline, inputs: readonly unknown[]): ColumnarTable {
  const records = inputs.map((i) => (i !== null && typeof i === "object" && !Array.isArray(i) ? (i as Record<string, unknown>) : {}));
  return ColumnarTable.fromColumns(
    Object.fromEntries(
      pipeline.signature.inputs.map((c) => {
        const values = records.map((r) => r[c.name] ?? null);
        return [c.name, c.type === "number" ? Float64Array.from(values, (v) => (typeof v === "number" ? v : NaN)) : values];
      }),
    ),
  );
}

/**
 * A monitoring run, experiment "<model experiment>/monitoring": per column
 * its drift statistic, p-value and 0/1 drifted, the drifted share and the
 * data set's 0/1 drift as final metrics, and each window's as the metric's
 * steps (step k = window k), so `wb.show.learningCurves("drift.share")`
 * shows when it began.
 */
function recordMonitoring(store: ExperimentStore, pipeline: LoadedPipeline, report: MonitorReport): RunId {
  const experiment = `${pipeline.manifest.run?.experiment ?? pipeline.name}/monitoring`;
  const run = store.createRun({ experiment, sourceKind: "script", name: `drift of ${pipeline.name}`, sourcePath: pipeline.dir });
  try {
    store.setTag(run, "pipelab.monitor.model_run", String(pipeline.manifest.run?.id ?? ""));
    store.setTag(run, "pipelab.monitor.period", `${report.from} .. ${report.to}`);
    store.logParams(run, { package: pipeline.dir, reference_rows: report.reference.rows, current_rows: report.current.rows, windows: report.windows.length });
    const points: { key: string; value: number; step: number }[] = [];
    const add = (drift: DatasetDrift, step: number): void => {
      points.push({ key: "drift.share", value: drift.driftedShare, step }, { key: "drift.detected", value: drift.drifted ? 1 : 0, step });
      for (const c of drift.columns) {
        if (Number.isFinite(c.statistic)) points.push({ key: `drift.${c.column}.statistic`, value: c.statistic, step });
        if (c.pValue !== undefined && Number.isFinite(c.pValue)) points.push({ key: `drift.${c.column}.p_value`, value: c.pValue, step });
        points.push({ key: `drift.${c.column}.drifted`, value: c.drifted ? 1 : 0, step });
      }
    };
    report.windows.forEach((w, k) => add(w.drift, k));
    // The whole period last: a metric's final value is its last point.
    add(report.drift, report.windows.length);
    store.logMetrics(run, points);
    store.endRun(run, "finished");
  } catch (error) {
    store.endRun(run, "failed", { error: String(error) });
    throw error;
  }
  return run;
}
