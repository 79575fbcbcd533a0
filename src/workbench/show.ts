/**
 * `wb.show.*`: the charts and tables of a workbench. Each draws under the
 * cell in a notebook, or writes files among the run's artifacts in a script
 * (chart-output.ts); charts of runs read the store.
 */
import type { PlotOptions } from "@observablehq/plot";
import * as charts from "../charts";
import type {
  ConfusionMatrixOptions,
  FeatureDistributionsOptions,
  LearningCurvesOptions,
  ParallelCoordinatesOptions,
  ParamVsMetricOptions,
  RegressionChartOptions,
  RenderedChart,
  RunComparisonOptions,
} from "../charts";
import { ColumnarTable, isColumnarTable } from "../data";
import { tableHtml } from "../display";
import { PipelabError, TrackingError } from "../errors";
import { datasetDrift, driftTable } from "../monitor";
import { startUi } from "../ui";
import type { UiServer } from "../ui";
import type { DatasetDrift, DatasetDriftOptions, MonitorReport } from "../monitor";
import type { ClassificationReport, EvaluationReport, RegressionReport } from "../ml";
import type { BrowsableStore, CompareQuery } from "../tracking";
import { renderPipelineGraph } from "./graph";
import type { PlanEntry } from "./runner";

/** What the charts need of their workbench. */
export interface ShowHost {
  readonly experiment: string;
  readonly store: BrowsableStore;
  /** Prints a warning line under the cell (or to the log). */
  warn(line: string): void;
  /** Prints a line under the cell (or to the log). */
  printLine(line: string): void;
  /** Shows a chart under the cell, or writes it among the run's artifacts outside a notebook. */
  displayChart(html: string, standaloneSvg: boolean, title: string | undefined, kind?: "chart" | "table"): string | undefined;
  /** Writes pending metric points, so that charts read them. */
  flushMetrics(): void;
  /** The pipeline's plan, for the graph. */
  planEntries(target?: string): Promise<PlanEntry[]>;
}

/**
 * Chart and table entry points of a workbench, short to type in a cell:
 * each draws under the cell in a notebook, or writes an HTML page and an SVG
 * among the run's artifacts in a script (and prints where). Charts of runs
 * default to the workbench's experiment.
 *
 * @example
 * ```ts
 * wb.show.learningCurves("val_accuracy");          // the last 10 runs of this experiment
 * wb.show.compare("test_accuracy");                // table of runs + bar chart, best marked
 * wb.show.confusion(report);                       // from evaluate()
 * ```
 */
export class Show {
  /** The runs page this workbench started (wb.show.ui), if any. */
  private page: Promise<UiServer> | undefined;

  constructor(private readonly wb: ShowHost) {}

  /**
   * Starts the runs page for this workbench's store, once, on a free
   * loopback port, and prints its link: the runs, a run's steps, compare and
   * diff, beside the notebook. It stops with the process.
   *
   * @example
   * ```ts
   * await wb.show.ui();   // runs page: http://127.0.0.1:40123/experiments/penguins
   * ```
   */
  async ui(options: { port?: number } = {}): Promise<string> {
    this.page ??= startUi(this.wb.store, { port: options.port ?? 0, host: "127.0.0.1", unref: true });
    const server = await this.page.catch((error: unknown) => {
      this.page = undefined;
      throw error;
    });
    const url = `${server.url}/experiments/${encodeURIComponent(this.wb.experiment)}`;
    this.wb.printLine(`runs page: ${url}`);
    return url;
  }

  private draw(chart: RenderedChart | (() => RenderedChart)): void {
    let rendered: RenderedChart;
    try {
      rendered = typeof chart === "function" ? chart() : chart;
    } catch (error) {
      // Nothing to chart (no runs with the metric, nothing varying) is a note, not a failure of the pipeline.
      if (error instanceof TrackingError) {
        this.wb.warn(`chart not drawn: ${error.message}`);
        return;
      }
      throw error;
    }
    this.wb.displayChart(rendered.html, rendered.standaloneSvg, rendered.title);
  }

  private inExperiment<O extends { experiment?: string; runs?: unknown; filter?: unknown }>(options: O | undefined): O {
    const o = { ...(options ?? {}) } as O;
    // Selected runs or a filter speak for themselves; otherwise, this experiment's runs.
    if (o.experiment === undefined && o.runs === undefined && o.filter === undefined) o.experiment = this.wb.experiment;
    return o;
  }

  /**
   * Draws a chart with Observable Plot options.
   *
   * @example
   * ```ts
   * import * as Plot from "@observablehq/plot";
   * wb.show.plot({ marks: [Plot.dot(rows, { x: "Flipper Length (mm)", y: "Body Mass (g)", stroke: "Species" })] });
   * ```
   */
  plot(options: PlotOptions): void {
    this.draw(charts.renderPlot(options));
  }

  /** A metric's history per epoch, one line per run; train and validation when both exist. */
  learningCurves(metric: string, options?: LearningCurvesOptions): void {
    this.wb.flushMetrics();
    this.draw(() => charts.learningCurves(this.wb.store, metric, this.inExperiment(options)));
  }

  /**
   * Runs side by side: a table of params and final metrics (differing params
   * highlighted, best values marked), and, given a metric, a bar chart of it
   * per run, best first.
   */
  compare(metric?: string, options?: RunComparisonOptions & Pick<CompareQuery, "params" | "metrics">): void {
    this.wb.flushMetrics();
    const o = this.inExperiment(options);
    const comparison = this.wb.store.compareRuns({
      ...(o.experiment === undefined ? {} : { experiment: o.experiment }),
      ...(o.filter === undefined ? {} : { filter: o.filter }),
      ...(o.runs === undefined ? {} : { ids: o.runs }),
      ...(o.params === undefined ? {} : { params: o.params }),
      ...(o.metrics === undefined ? {} : { metrics: o.metrics }),
      ...(metric === undefined ? {} : { orderBy: { metric, direction: charts.metricMode(metric) === "min" ? "asc" : "desc" } }),
      limit: o.limit ?? 20,
    });
    const table = charts.runsTable(comparison, { steps: this.wb.store.stepCounts(comparison.runs.map((r) => r.id)) });
    this.wb.displayChart(table, false, `Runs of ${o.experiment ?? "the selection"}`, "table");
    if (metric !== undefined) this.draw(() => charts.runComparison(this.wb.store, metric, o));
  }

  /** A metric against each parameter that varies, one dot per run. */
  paramVsMetric(metric: string, options?: ParamVsMetricOptions): void {
    this.wb.flushMetrics();
    this.draw(() => charts.paramVsMetric(this.wb.store, metric, this.inExperiment(options)));
  }

  /** Params and metrics across runs as parallel coordinates. */
  parallel(options?: ParallelCoordinatesOptions): void {
    this.wb.flushMetrics();
    this.draw(() => charts.parallelCoordinates(this.wb.store, this.inExperiment(options)));
  }

  /** The confusion matrix of an evaluation report: counts and row-normalized rates. */
  confusion(report: EvaluationReport, options?: ConfusionMatrixOptions): void {
    this.draw(charts.confusionMatrix(classification(report, "confusion"), options));
  }

  /** ROC curves of an evaluation report, one per class, AUC in the legend. */
  roc(report: EvaluationReport): void {
    this.draw(charts.rocCurves(classification(report, "roc")));
  }

  /** Precision-recall curves of an evaluation report, average precision in the legend. */
  pr(report: EvaluationReport): void {
    this.draw(charts.prCurves(classification(report, "pr")));
  }

  /** Residuals of a regression report against the predictions. */
  residuals(report: EvaluationReport, options?: RegressionChartOptions): void {
    this.draw(charts.residuals(regression(report, "residuals"), options));
  }

  /** Predicted against actual values of a regression report. */
  predictedVsActual(report: EvaluationReport, options?: RegressionChartOptions): void {
    this.draw(charts.predictedVsActual(regression(report, "predictedVsActual"), options));
  }

  /** The distribution of each numeric column of a DataFrame or ColumnarTable, by class (binned: millions of rows are fine). */
  distributions(df: import("danfojs-node").DataFrame | import("../data").ColumnarTable, options: FeatureDistributionsOptions): void {
    this.draw(charts.featureDistributions(df, options));
  }

  /**
   * Data drift: the reference and current distribution of each column with
   * its test and verdict, a table of the results, and for a monitoring
   * report the drifted share window by window. Takes a report from
   * `monitorPipeline`, or a reference and a current table (compared with
   * Evidently's defaults); returns the data set's drift.
   *
   * @example
   * ```ts
   * const drift = wb.show.drift(train, lastWeek);      // DatasetDrift: drifted, driftedShare, columns
   * wb.show.drift(await monitorPipeline(pipeline, wb.store));
   * ```
   */
  drift(reportOrReference: MonitorReport | ColumnarTable | import("danfojs-node").DataFrame, current?: ColumnarTable | import("danfojs-node").DataFrame, options?: DatasetDriftOptions): DatasetDrift {
    const asTable = (t: ColumnarTable | import("danfojs-node").DataFrame): ColumnarTable => (isColumnarTable(t) ? t : ColumnarTable.fromDanfo(t));
    const report = (reportOrReference as MonitorReport)?.kind === "pipelab.monitor" ? (reportOrReference as MonitorReport) : undefined;
    let reference: ColumnarTable;
    let now: ColumnarTable;
    let drift: DatasetDrift;
    if (report !== undefined) {
      ({ reference, current: now, drift } = report);
    } else {
      if (current === undefined) throw new PipelabError("wb.show.drift takes a monitoring report (monitorPipeline), or a reference and a current table");
      reference = asTable(reportOrReference as ColumnarTable);
      now = asTable(current);
      drift = datasetDrift(reference, now, options);
    }
    this.draw(charts.driftDistributions(reference, now, drift));
    this.wb.displayChart(tableHtml(driftTable(drift)), false, "drift by column", "table");
    if (report !== undefined && report.windows.length > 1) this.draw(charts.driftOverTime(report.windows));
    return drift;
  }

  /**
   * Draws the pipeline: one box per step, arrows from inputs to steps, each
   * colored by its state in the plan (fresh, stale, missing).
   */
  async graph(target?: string): Promise<void> {
    this.draw(renderPipelineGraph(await this.wb.planEntries(target)));
  }
}

function classification(report: EvaluationReport, chart: string): ClassificationReport {
  if (report?.kind !== "pipelab.report" || report.task !== "classification") {
    throw new PipelabError(`wb.show.${chart} takes the report of a classifier, from evaluate(); got ${report?.kind === "pipelab.report" ? "a regression report" : typeof report}`);
  }
  return report;
}

function regression(report: EvaluationReport, chart: string): RegressionReport {
  if (report?.kind !== "pipelab.report" || report.task !== "regression") {
    throw new PipelabError(`wb.show.${chart} takes the report of a regression, from evaluate(); got ${report?.kind === "pipelab.report" ? "a classification report" : typeof report}`);
  }
  return report;
}
