import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { inspect } from "node:util";
import type { PlotOptions } from "@observablehq/plot";
import { StepCache } from "../cache";
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
import type { ClassificationReport, EvaluationReport, RegressionReport } from "../ml";
import type { CompareQuery } from "../tracking";
import { PipelabError, StepError, TrackingError, messageOf } from "../errors";
import { initBackend } from "../ml";
import { currentOutput, inKernel } from "../notebook";
import type { Output } from "../notebook";
import { NOT_DATA, defineStep, markOrigin, paramsFingerprint } from "../pipeline";
import type { StepFunction, StepOptions } from "../pipeline";
import { ExperimentStore, MetricBuffer, defaultStorePath, gitState } from "../tracking";
import type { ParamValue, RunId, RunInit, RunStatus, SourceKind } from "../tracking";
import { escapeHtml, findProjectRoot, makeOwnFolder, sha256, writeOwnFile } from "../util";
import { currentStep } from "../run-context";
import { Runner } from "./runner";
import type { PlanEntry } from "./runner";
import { CacheControl } from "./cache-control";
import { MetricOwners } from "./metric-owners";
import { renderPipelineGraph } from "./graph";

/** How a workbench is opened. Every field has a default. */
export interface WorkbenchOptions {
  /** The experiment the runs belong to. Default: "default". */
  experiment?: string;
  /** The store file. Default: `$PIPELAB_STORE`, else experiments.db at the project root. */
  store?: string;
  /** A name for the run, shown in listings. */
  runName?: string;
  /** Print nothing but errors and warnings. Default: false. */
  quiet?: boolean;
  /** Where pipelab's lines (step outcomes, warnings, plans) go. Default: under the cell, or stdout in a script. */
  log?: (line: string) => void;
  /**
   * Which TensorFlow.js backend to compute with. Default: the fastest that
   * loads (tfjs-node, else wasm, else cpu), or `$PIPELAB_TF_BACKEND`.
   */
  backend?: "tensorflow" | "wasm" | "cpu";
  /** The step cache's folder. Default: `$PIPELAB_CACHE_DIR`, else .pipelab/cache at the project root. */
  cacheDir?: string;
}

/** The environment variable that moves the step cache. */
export const CACHE_DIR_ENV = "PIPELAB_CACHE_DIR";

/** The cache folder unless told otherwise. */
export function defaultCacheDir(cwd: string = process.cwd()): string {
  const root = findProjectRoot(cwd);
  const fromEnv = process.env[CACHE_DIR_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return resolve(root, fromEnv);
  return join(root, ".pipelab", "cache");
}

/** Workbenches whose run is still open in this process: ended at exit. */
const openWorkbenches = new Set<Workbench>();
let exitHooksInstalled = false;

/**
 * The workbench: one per notebook or script. It opens the experiment store,
 * starts a run, executes steps, records parameters and metrics, and shows
 * charts under the cell.
 *
 * @example
 * ```ts
 * import { Workbench } from "pipelab";
 * const wb = await Workbench.open({ experiment: "penguins" });
 * const p = wb.params({ seed: 7 });
 * const rows = await wb.step("load", () => loadDatasetRows("penguins"));
 * wb.log("rows", rows.length);
 * ```
 */
export class Workbench {
  /** The workbench is not data: a step that reads `wb` (to log a metric) does not depend on it. */
  readonly [NOT_DATA] = true;
  readonly experiment: string;
  readonly store: ExperimentStore;
  private currentRun: RunId;
  private readonly runInit: RunInit;
  /** The TensorFlow.js backend this run computes with, e.g. "wasm (tfjs 4.22.0, simd)". */
  readonly backend: string;
  /** Chart and table entry points: `wb.show.plot(...)`, `wb.show.graph()`. */
  readonly show: Show;
  /** The step cache: `wb.cache.report()`, `wb.cache.prune({ keepRuns: 10 })`. */
  readonly cache: CacheControl;
  /** The project root: where the store and cache live by default, and what cache keys' paths are relative to. */
  readonly projectRoot: string;

  private readonly output: Output;
  private readonly quiet: boolean;
  private readonly paramValues: Record<string, ParamValue> = {};
  private readonly stepsRun = new Map<string, "ok" | "failed">();
  private readonly runner: Runner;
  private metrics: MetricBuffer;
  private readonly metricOwners = new MetricOwners();
  private lastFailure: { step: string; error: string } | undefined;
  private status: RunStatus = "running";
  private readonly heartbeatTimer: NodeJS.Timeout;
  private chartCount = 0;

  private constructor(init: {
    experiment: string;
    store: ExperimentStore;
    runId: RunId;
    runInit: RunInit;
    backend: string;
    quiet: boolean;
    log: ((line: string) => void) | undefined;
    stepCache: StepCache;
    projectRoot: string;
  }) {
    this.experiment = init.experiment;
    this.store = init.store;
    this.currentRun = init.runId;
    this.runInit = init.runInit;
    this.backend = init.backend;
    this.quiet = init.quiet;
    this.projectRoot = init.projectRoot;
    this.output = init.log ? withLog(currentOutput(), init.log) : currentOutput();
    this.show = new Show(this);
    this.cache = new CacheControl(init.stepCache, init.store);
    this.metrics = new MetricBuffer(init.store, init.runId);
    this.runner = new Runner({
      store: init.store,
      runId: () => this.currentRun,
      cache: init.stepCache,
      projectRoot: init.projectRoot,
      currentParams: () => this.paramValues,
      say: (line) => this.say(line),
      warn: (line) => this.output.text(`⚠ ${line}`),
      log: (points, step) => {
        const clash = this.metricOwners.note(step, points.map((p) => p.key));
        if (clash) this.output.text(`⚠ ${clash}`);
        this.metrics.add(points.map((p) => ({ ...p, tsMs: Date.now() })));
      },
    });
    this.heartbeatTimer = setInterval(() => this.beat(), 30_000);
    // The heartbeat must not keep a finished script (or a shut-down kernel) alive.
    this.heartbeatTimer.unref();
  }

  /**
   * Opens the store, picks the compute backend and starts a run. Opening a
   * workbench again in the same kernel (re-running the cell) finishes the
   * previous workbench's run and starts a new one.
   */
  static async open(options: WorkbenchOptions = {}): Promise<Workbench> {
    const experiment = options.experiment ?? "default";
    const storePath = options.store === undefined ? defaultStorePath() : resolve(options.store);
    const backend = await initBackend(options.backend);
    for (const previous of openWorkbenches) previous.finish();
    const store = ExperimentStore.open(storePath);
    const source = describeSource();
    const git = gitState(findProjectRoot());
    const runInit: RunInit = {
      experiment,
      sourceKind: source.kind,
      tfBackend: backend.description,
      ...(git ? { git } : {}),
      ...(options.runName === undefined ? {} : { name: options.runName }),
      ...(source.path === undefined ? {} : { sourcePath: source.path }),
      ...(source.hash === undefined ? {} : { sourceHash: source.hash }),
    };
    const runId = store.createRun(runInit);
    for (const [key, value] of Object.entries(runTags())) store.setTag(runId, key, value);
    const cacheDir = options.cacheDir === undefined ? defaultCacheDir() : resolve(options.cacheDir);
    const stepCache = sharedCache(cacheDir);
    const wb = new Workbench({
      experiment,
      store,
      runId,
      runInit,
      backend: backend.description,
      quiet: options.quiet ?? false,
      log: options.log,
      stepCache,
      projectRoot: findProjectRoot(),
    });
    openWorkbenches.add(wb);
    installExitHooks();
    wb.say(`pipelab: run ${runId} of experiment "${experiment}" · store ${store.path} · backend ${backend.description}`);
    return wb;
  }

  /**
   * Declares the run's parameters and records them. Returns them, frozen, so
   * steps can take them as inputs. Calling it again adds or overrides keys.
   */
  params<P extends Record<string, ParamValue>>(declared: P): Readonly<P> {
    this.assertOpen("params");
    // `pipelab run --param` and `pipelab sweep` pass values through the environment.
    const values = applyOverrides(declared);
    // A run is one parameter set: changing a value already set starts the next run.
    const changed = Object.keys(values).filter((k) => k in this.paramValues && JSON.stringify(this.paramValues[k]) !== JSON.stringify(values[k]));
    if (changed.length > 0) this.nextRun(changed.map((k) => `${k} ${JSON.stringify(this.paramValues[k])} -> ${JSON.stringify(values[k])}`).join(", "));
    this.store.logParams(this.runId, values);
    Object.assign(this.paramValues, values);
    const frozen = Object.freeze({ ...values });
    // A parameter set passed whole to a step is identified by its values, not re-hashed each time.
    markOrigin(frozen, { kind: "params", fingerprint: paramsFingerprint(frozen), values: frozen });
    return frozen;
  }

  /**
   * Runs a named step and returns its output, or returns its cached output at
   * once when nothing it depends on changed: its code, the helpers and modules
   * the code calls, the package versions, its inputs, its declared files.
   * Prints one line saying which, and why a step recomputed.
   *
   * @example
   * ```ts
   * const raw = await wb.step("load", () => loadDataset("penguins"));
   * const clean = await wb.step("clean", { raw }, ({ raw }) => raw.dropNa({ axis: 1 }));
   * // ▸ clean: cached (memory, from run 12) in 0.3 ms
   * const model = await wb.step("train", { clean, p }, train, { cache: "memory" });
   * ```
   */
  step<T>(name: string, fn: StepFunction<Record<string, never>, T>, options?: StepOptions): Promise<T>;
  step<I extends Record<string, unknown>, T>(name: string, inputs: I, fn: StepFunction<I, T>, options?: StepOptions): Promise<T>;
  async step<T>(name: string, inputsOrFn: unknown, fnOrOptions?: unknown, maybeOptions?: unknown): Promise<T> {
    const def = defineStep<Record<string, unknown>, T>(name, inputsOrFn, fnOrOptions, maybeOptions);
    this.assertOpen(`step "${name}"`);
    try {
      const result = await this.runner.execute<T>(def as never, this.runner.environment(inKernel()));
      this.metrics.flush();
      this.stepsRun.set(name, "ok");
      if (this.lastFailure?.step === name) this.lastFailure = undefined;
      return result.value;
    } catch (error) {
      this.metrics.flush();
      this.stepsRun.set(name, "failed");
      this.lastFailure = { step: name, error: messageOf(error instanceof StepError && error.cause !== undefined ? error.cause : error) };
      throw error;
    }
  }

  /** The id of the current run (it changes when a parameter value changes: see `params`). */
  get runId(): RunId {
    return this.currentRun;
  }

  /** One line at a run's end: how many steps ran and how many came from the cache. */
  private sayStepSummary(): void {
    if (this.quiet || this.output.rich) return;
    const counts = this.store.stepCounts([this.currentRun]).get(this.currentRun);
    if (!counts) return;
    const total = counts.computed + counts.cached + counts.failed;
    const how = counts.cached === total ? "all from the cache" : `${counts.cached} from the cache, ${counts.computed} computed${counts.failed ? `, ${counts.failed} failed` : ""}`;
    this.say(`pipelab: run ${this.currentRun}: ${total} step${total === 1 ? "" : "s"}, ${how}`);
  }

  /** Ends the current run and starts the next one, with the same parameters so far. */
  private nextRun(why: string): void {
    this.metrics.flush();
    this.sayStepSummary();
    const failure = this.lastFailure;
    const previous = this.currentRun;
    this.store.endRun(previous, failure ? "failed" : "finished", failure);
    this.currentRun = this.store.createRun(this.runInit);
    for (const [key, value] of Object.entries(runTags())) this.store.setTag(this.currentRun, key, value);
    this.metrics = new MetricBuffer(this.store, this.currentRun);
    this.metricOwners.clear();
    this.lastFailure = undefined;
    this.store.logParams(this.currentRun, this.paramValues);
    this.say(`pipelab: parameters changed (${why}): run ${previous} ended, run ${this.currentRun} started`);
  }

  /**
   * Says which steps would recompute and why, without running anything (like
   * `dvc status`). With a target, that step and the steps it depends on. As a
   * cell's last expression it shows as a table: one line per step.
   *
   * @example
   * ```ts
   * await wb.plan(); // [{ step: "train", state: "stale", reasons: ["param lr changed (0.01 -> 0.1)"] }, ...]
   * ```
   */
  async plan(target?: string): Promise<PlanEntry[]> {
    const entries = await this.runner.plan(target);
    // Shown as a table where a notebook prints a cell's value (or console.log prints it).
    Object.defineProperty(entries, inspect.custom, { value: () => formatPlan(entries), enumerable: false });
    return entries;
  }

  /** Runs what is stale up to `target`, in dependency order, and returns the target's output. */
  run<T = unknown>(target: string): Promise<T> {
    this.assertOpen(`run "${target}"`);
    return this.runner.run<T>(target);
  }

  /** Forces `step` to recompute on its next execution, dropping its cached output. */
  invalidate(step: string): void {
    this.runner.invalidate(step);
    this.say(`▸ ${step}: invalidated; it recomputes on its next execution`);
  }

  /** @internal Prints a warning line under the cell (or to the log). */
  note_(line: string): void {
    this.output.text(`⚠ ${line}`);
  }

  /** @internal Writes pending metric points, so that charts read them. */
  flushMetrics(): void {
    this.metrics.flush();
  }

  /** @internal The runner's plan, for charts. */
  planEntries(target?: string): Promise<PlanEntry[]> {
    return this.runner.plan(target);
  }

  /**
   * Logs metrics to the run: one value, or several at once, optionally at a
   * step (an epoch). Each metric keeps its whole history; its last value is
   * the run's final value.
   *
   * @example
   * ```ts
   * wb.log("accuracy", 0.97);
   * wb.log({ loss: 0.31, val_loss: 0.35 }, epoch);
   * ```
   */
  log(key: string, value: number, step?: number): void;
  log(metrics: Readonly<Record<string, number>>, step?: number): void;
  log(keyOrMetrics: string | Readonly<Record<string, number>>, valueOrStep?: number, step?: number): void {
    this.assertOpen("log");
    const tsMs = Date.now();
    const points =
      typeof keyOrMetrics === "string"
        ? [{ key: keyOrMetrics, value: valueOrStep as number, step: step ?? 0, tsMs }]
        : Object.entries(keyOrMetrics).map(([key, value]) => ({ key, value, step: valueOrStep ?? 0, tsMs }));
    // Inside a step, through the step's context: the points are then kept with its cached output.
    const inStep = currentStep();
    if (inStep) inStep.log(points);
    // Batched: written at the step's end, when the run ends, or within 250 ms.
    else this.metrics.add(points);
  }

  /** Tags the run (a key and a text value), e.g. `wb.tag("stage", "baseline")`. */
  tag(key: string, value: string): void {
    this.assertOpen("tag");
    this.store.setTag(this.runId, key, value);
  }

  /** Sets the run's free-text note. */
  note(text: string): void {
    this.store.setNote(this.runId, text);
  }

  /**
   * Ends the run: `finished` unless a step failed and was not fixed since,
   * in which case `failed` with that step and its error. Called at exit; call
   * it yourself to end a run early.
   */
  finish(status?: Exclude<RunStatus, "running">): void {
    if (this.status !== "running") return;
    const failure = this.lastFailure;
    this.metrics.flush();
    this.sayStepSummary();
    this.status = status ?? (failure ? "failed" : "finished");
    clearInterval(this.heartbeatTimer);
    openWorkbenches.delete(this);
    this.store.endRun(this.runId, this.status, this.status === "finished" ? undefined : failure);
  }

  /** Whether the run is still open. */
  get running(): boolean {
    return this.status === "running";
  }

  /** @internal Shows a chart under the cell, or writes it to a file outside a notebook. */
  displayChart(html: string, standaloneSvg: boolean, title: string | undefined, kind: "chart" | "table" = "chart"): string | undefined {
    this.chartCount += 1;
    const label = title ?? `${kind} ${this.chartCount}`;
    if (this.output.rich) {
      if (standaloneSvg) this.output.svg(html, label);
      else this.output.html(html, label);
      return undefined;
    }
    // Outside a notebook: an HTML page (and the chart's SVG on its own) among the run's artifacts.
    const dir = join(findProjectRoot(dirname(this.store.path)), ".pipelab", "charts", `run-${this.runId}`);
    const base = join(dir, `${String(this.chartCount).padStart(2, "0")}-${slug(label)}`);
    makeOwnFolder(dir);
    const page = `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(label)}</title></head><body style="font-family:system-ui,sans-serif">\n${html}\n</body></html>\n`;
    writeOwnFile(`${base}.html`, page);
    this.store.recordArtifact(this.runId, { name: label, kind, path: `${base}.html` });
    // The chart itself is the last <svg> of a figure: legend swatches come first.
    const start = html.lastIndexOf("<svg");
    if (kind === "chart" && start >= 0) {
      writeOwnFile(`${base}.svg`, `${html.slice(start, html.lastIndexOf("</svg>") + "</svg>".length)}\n`);
      this.store.recordArtifact(this.runId, { name: label, kind: "chart-svg", path: `${base}.svg` });
    }
    this.output.text(`${kind} "${label}" written to ${base}.html${kind === "chart" && start >= 0 ? ` and .svg` : ""}`);
    return `${base}.html`;
  }

  private assertOpen(what: string): void {
    if (this.status !== "running") {
      throw new PipelabError(`cannot ${what}: run ${this.runId} has ended (${this.status}). Open a new workbench with Workbench.open().`);
    }
  }

  private beat(): void {
    try {
      this.store.heartbeat(this.runId);
    } catch {
      // A missed heartbeat is harmless; the next one or the run's end will write.
    }
  }

  private say(line: string): void {
    if (!this.quiet) this.output.text(line);
  }

  [inspect.custom](): string {
    const steps = [...this.stepsRun].map(([name, state]) => (state === "ok" ? name : `${name} (failed)`));
    return [
      `Workbench {`,
      `  experiment: ${JSON.stringify(this.experiment)}`,
      `  run: ${this.runId} (${this.status})`,
      `  store: ${this.store.path}`,
      `  backend: ${this.backend}`,
      `  params: ${JSON.stringify(this.paramValues)}`,
      `  steps: ${steps.length === 0 ? "none yet" : steps.join(", ")}`,
      `}`,
    ].join("\n");
  }
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
  constructor(private readonly wb: Workbench) {}

  private draw(chart: RenderedChart | (() => RenderedChart)): void {
    let rendered: RenderedChart;
    try {
      rendered = typeof chart === "function" ? chart() : chart;
    } catch (error) {
      // Nothing to chart (no runs with the metric, nothing varying) is a note, not a failure of the pipeline.
      if (error instanceof TrackingError) {
        this.wb.note_(`chart not drawn: ${error.message}`);
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

  /** The distribution of each numeric column of a DataFrame, by class. */
  distributions(df: import("danfojs-node").DataFrame, options: FeatureDistributionsOptions): void {
    this.draw(charts.featureDistributions(df, options));
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

/** The environment variable through which `pipelab sweep` tags the runs it makes (a JSON object of text values). */
export const TAGS_ENV = "PIPELAB_TAGS";

function runTags(): Record<string, string> {
  const text = process.env[TAGS_ENV];
  if (!text) return {};
  try {
    return Object.fromEntries(Object.entries(JSON.parse(text) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  } catch {
    throw new PipelabError(`${TAGS_ENV} is not a JSON object: ${text}`);
  }
}

/** The environment variable through which `pipelab run` and `pipelab sweep` override parameters (a JSON object). */
export const PARAMS_ENV = "PIPELAB_PARAMS";

let overrides: Record<string, unknown> | undefined;

/** The declared parameters with the overrides of PIPELAB_PARAMS applied, their types checked. */
function applyOverrides<P extends Record<string, ParamValue>>(declared: P): P {
  if (overrides === undefined) {
    const text = process.env[PARAMS_ENV];
    try {
      overrides = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      throw new PipelabError(`${PARAMS_ENV} is not a JSON object: ${text}`);
    }
  }
  const out: Record<string, ParamValue> = { ...declared };
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in declared)) continue;
    const expected = typeof declared[key];
    if (typeof value !== expected && !(declared[key] === null || typeof declared[key] === "object")) {
      throw new PipelabError(`parameter "${key}" is a ${expected} (declared ${JSON.stringify(declared[key])}); the override ${JSON.stringify(value)} is a ${typeof value}`);
    }
    out[key] = value as ParamValue;
  }
  return out as P;
}

/** An output whose text lines go to `log`; charts still go where they would. */
function withLog(output: Output, log: (line: string) => void): Output {
  return { rich: output.rich, html: (h, t) => output.html(h, t), svg: (s, t) => output.svg(s, t), text: log };
}

const caches = new Map<string, StepCache>();

/** One cache per folder per process: a re-opened workbench keeps the memory tier. */
function sharedCache(dir: string): StepCache {
  let cache = caches.get(dir);
  if (!cache) {
    cache = new StepCache({ dir });
    caches.set(dir, cache);
  }
  return cache;
}

/** A plan as text: one line per step. */
export function formatPlan(entries: readonly PlanEntry[]): string {
  if (entries.length === 0) return "no steps yet";
  const width = Math.max(...entries.map((e) => e.step.length));
  const mark = { fresh: "✓", stale: "✗", missing: "?" } as const;
  return entries.map((e) => `${mark[e.state]} ${e.step.padEnd(width)}  ${e.state.padEnd(7)}  ${e.reasons.join("; ")}`).join("\n");
}

/** Where this run's code comes from: the notebook (when known) or the script file. */
function describeSource(): { kind: SourceKind; path?: string; hash?: string } {
  const named = process.env.PIPELAB_SOURCE ?? process.env.JPY_SESSION_NAME;
  if (inKernel()) return named ? { kind: "notebook", ...hashFile(named) } : { kind: "notebook" };
  const script = process.argv[1];
  if (script === undefined) return { kind: "interactive" };
  return { kind: "script", ...hashFile(script) };
}

function hashFile(path: string): { path: string; hash?: string } {
  const file = resolve(path);
  try {
    return { path: file, hash: sha256(readFileSync(file)) };
  } catch {
    return { path: file };
  }
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on("exit", (code) => {
    for (const wb of [...openWorkbenches]) {
      try {
        wb.finish(code === 0 ? undefined : "failed");
      } catch {
        // The store may be gone at exit; crash detection will close the run next time.
      }
    }
  });
  // A kernel or script stopped with SIGTERM (or SIGHUP) ends its runs as killed.
  for (const signal of ["SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      for (const wb of [...openWorkbenches]) {
        try {
          wb.finish("killed");
        } catch {
          // as above
        }
      }
      process.exit(128 + (signal === "SIGTERM" ? 15 : 1));
    });
  }
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 60) || "chart"
  );
}
