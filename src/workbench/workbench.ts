import { resolve } from "node:path";
import { inspect } from "node:util";
import { StepCache } from "../cache";
import { InterruptedError, PipelabError, StepError, messageOf } from "../errors";
import { initBackend } from "../ml";
import { currentOutput, inKernel } from "../notebook";
import type { Output } from "../notebook";
import { NOT_DATA, builtinStep, defineStep, markOrigin, paramsFingerprint } from "../pipeline";
import type { StepFunction, StepOptions } from "../pipeline";
import { MetricBuffer, defaultStorePath, gitState, openStore, storeLocation } from "../tracking";
import type { BrowsableStore, ParamValue, RunId, RunInit, RunStatus } from "../tracking";
import { findProjectRoot, pipelabVersion } from "../util";
import { currentStep } from "../run-context";
import { sql as runSql } from "../data";
import type { ColumnarTable, SqlInput, SqlOptions, StringColumns } from "../data";
import { Runner } from "./runner";
import type { PlanEntry } from "./runner";
import { CacheControl } from "./cache-control";
import { writeChartFiles } from "./chart-output";
import { applyOverrides, defaultCacheDir, describeSource, runTags } from "./cli-contract";
import { Show } from "./show";
import { MetricOwners } from "./metric-owners";
import { finishOpenRuns, installExitHooks, trackOpenRun, untrackOpenRun } from "./run-session";

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
  /**
   * Where pipelab's text lines (step outcomes, warnings, plans) go. Default:
   * under the cell, or stdout in a script. (Not `wb.log`, which logs metrics.)
   */
  print?: (line: string) => void;
  /**
   * Which TensorFlow.js backend to compute with. Default: the fastest that
   * loads (tfjs-node, else wasm, else cpu), or `$PIPELAB_TF_BACKEND`.
   */
  backend?: "tensorflow" | "wasm" | "cpu";
  /** The step cache's folder. Default: `$PIPELAB_CACHE_DIR`, else .pipelab/cache at the project root. */
  cacheDir?: string;
}


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
  readonly store: BrowsableStore;
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
    store: BrowsableStore;
    runId: RunId;
    runInit: RunInit;
    backend: string;
    quiet: boolean;
    print: ((line: string) => void) | undefined;
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
    this.output = init.print ? printingTo(currentOutput(), init.print) : currentOutput();
    this.show = new Show(this);
    this.cache = new CacheControl(init.stepCache, init.store);
    this.metrics = new MetricBuffer(init.store, init.runId);
    this.runner = new Runner({
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
      record: (execution) => this.store.recordStep(this.currentRun, execution),
      lastExecution: (step) => this.store.lastStepKey(this.currentRun, step),
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
    const storePath = options.store === undefined ? defaultStorePath() : storeLocation(options.store);
    const backend = await initBackend(options.backend);
    finishOpenRuns();
    const store = openStore(storePath);
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
      print: options.print,
      stepCache,
      projectRoot: findProjectRoot(),
    });
    trackOpenRun(wb);
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
      const result = await this.runner.execute<T>(def, this.runner.environment(inKernel()));
      this.metrics.flush();
      this.stepsRun.set(name, "ok");
      if (this.lastFailure?.step === name) this.lastFailure = undefined;
      return result.value;
    } catch (error) {
      this.metrics.flush();
      // An interrupted step did not fail: the run stays as it was (the step is recorded as interrupted).
      if (error instanceof InterruptedError) throw error;
      this.stepsRun.set(name, "failed");
      this.lastFailure = { step: name, error: messageOf(error instanceof StepError && error.cause !== undefined ? error.cause : error) };
      throw error;
    }
  }

  /**
   * A SQL step: runs a DuckDB query over the named inputs (earlier steps'
   * tables, danfo frames, or file paths) and returns a ColumnarTable, cached
   * like any step with the query text in its key. Files the query names
   * (`FROM 'data/x.parquet'`) are fingerprinted into the key too, so a new
   * file recomputes it. The fast path for feature extraction on big data.
   *
   * @example
   * ```ts
   * const routes = await wb.sql("routes", `
   *   SELECT origin, destination, avg(delay) AS delay, count(*) AS flights
   *   FROM flights GROUP BY ALL`, { flights });
   * ```
   */
  async sql(name: string, query: string, inputs: Readonly<Record<string, SqlInput>> = {}, options: StepOptions & SqlOptions = {}): Promise<ColumnarTable> {
    if (typeof query !== "string") throw new StepError(name, `sql step "${name}": the query must be a string of SQL, got ${typeof query}`);
    if (inputs === null || typeof inputs !== "object" || Array.isArray(inputs)) {
      throw new StepError(name, `sql step "${name}": inputs must be an object of named tables or file paths, such as { flights }`);
    }
    const { strings, ...stepOptions } = options;
    // The query (and a strings option, which changes the output) go into the step's inputs, so into its key.
    const own = { query, ...(strings === undefined ? {} : { strings }) };
    const clash = Object.keys(own).find((k) => Object.hasOwn(inputs, k));
    if (clash !== undefined) throw new StepError(name, `sql step "${name}": an input cannot be named "${clash}" (the step's ${clash} option goes under that name); rename it`);
    return this.step(name, { ...inputs, ...own }, runSqlStep, stepOptions);
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
    const total = counts.computed + counts.cached + counts.failed + counts.interrupted;
    const how =
      counts.cached === total
        ? "all from the cache"
        : `${counts.cached} from the cache, ${counts.computed} computed${counts.failed ? `, ${counts.failed} failed` : ""}${counts.interrupted ? `, ${counts.interrupted} interrupted` : ""}`;
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
  warn(line: string): void {
    this.output.text(`⚠ ${line}`);
  }

  /** @internal Prints a line under the cell (or to the log). */
  printLine(line: string): void {
    this.output.text(line);
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
    untrackOpenRun(this);
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
    const written = writeChartFiles(this.store, this.runId, { html, label, kind, index: this.chartCount });
    this.output.text(`${kind} "${label}" written to ${written.page}${written.svg ? " and .svg" : ""}`);
    return written.page;
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

/** An output whose text lines go to `print`; charts still go where they would. */
function printingTo(output: Output, print: (line: string) => void): Output {
  return { rich: output.rich, html: (h, t) => output.html(h, t), svg: (s, t) => output.svg(s, t), text: print };
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

/** Bump when what a SQL step returns for the same query and inputs changes. */
const SQL_STEP_VERSION = 1;

/** A SQL step's function: the query, its options and the tables come as its inputs. */
const runSqlStep = builtinStep(`pipelab.sql@${pipelabVersion()}/${SQL_STEP_VERSION}`, ({ query, strings, ...tables }: Record<string, unknown>): Promise<ColumnarTable> =>
  runSql(query as string, tables as Record<string, SqlInput>, { strings: strings as StringColumns | undefined }),
);
