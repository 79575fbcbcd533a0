/**
 * packageRun: the package of a recorded run, found from its steps' cached
 * outputs: the trained model, the fitted transformers computed before it,
 * and the training frame they were fitted on. What the notebook would
 * declare with packagePipeline, worked out from the run.
 */
import { StepCache } from "../cache";
import { ColumnarTable, isColumnarTable } from "../data";
import { DataError, messageOf } from "../errors";
import { isTransformer } from "../ml";
import type { Transformer, TrainedModel } from "../ml";
import type { RunDetails, RunStore, RunId, StepExecution } from "../tracking";
import { isDanfoFrame } from "../util";
import { packagePipeline } from "./package";
import type { Manifest, NotPackaged } from "./package";

export interface PackageRunOptions {
  /** The step whose output is (or holds) the trained model, when the run has several. */
  modelStep?: string;
  /** The cache folder the run's outputs are in. */
  cacheDir: string;
}

/** A value found in a step's output: the output itself, or one of its properties or elements. */
interface Found<T> {
  readonly step: string;
  /** Where in the output: "" for the output itself, ".train" or "[1]" for a part. */
  readonly path: string;
  readonly value: T;
}

/**
 * Packages run `runId` of `store` into `dir`. A step that cannot be packaged
 * (custom code, a file read) is listed in the manifest with why: requests
 * then send what the last of them outputs.
 *
 * @example
 * ```ts
 * await packageRun(store, 12, "packages/penguins", { cacheDir: ".pipelab/cache" });
 * ```
 */
export async function packageRun(store: RunStore, runId: RunId, dir: string, options: PackageRunOptions): Promise<Manifest> {
  const run = store.runDetails(runId);
  if (run === undefined) throw new DataError(`no run ${runId} in the store ${store.path}: see \`pipelab runs ls\``);
  const steps = latestSteps(store.stepExecutions(runId));
  if (steps.length === 0) throw new DataError(`run ${runId} has no computed or cached steps to package`);
  const cache = new StepCache({ dir: options.cacheDir });
  const outputs = new Map<string, unknown>();
  const unavailable: string[] = [];
  for (const s of steps) {
    const hit = s.cacheKey === undefined ? undefined : await cache.get(s.cacheKey).catch(() => undefined);
    if (hit === undefined) unavailable.push(s.step);
    else outputs.set(s.step, hit.value);
  }
  const model = findModel(runId, steps, outputs, unavailable, options.modelStep);
  const before = steps.slice(0, steps.findIndex((s) => s.step === model.step));
  const transformers = before.flatMap((s) => partsOf<Transformer>(s.step, outputs.get(s.step), isTransformer)).filter((t) => t.value.kind !== "LabelEncoder" && t.value.fitted);
  const frames = before
    .flatMap((s) => partsOf(s.step, outputs.get(s.step), (v): v is ColumnarTable | import("danfojs-node").DataFrame => isColumnarTable(v) || isDanfoFrame(v)))
    .map((f) => ({ ...f, table: isColumnarTable(f.value) ? f.value : ColumnarTable.fromDanfo(f.value) }));
  // The training part first (a split's .train), then the biggest frames: the one the transformers were fitted on.
  frames.sort((a, b) => Number(b.path.endsWith(".train")) - Number(a.path.endsWith(".train")) || b.table.rows - a.table.rows);
  const failures: string[] = [];
  for (const frame of frames) {
    try {
      return await packagePipeline(dir, {
        model: model.value,
        transformers: transformers.map((t) => t.value),
        reference: frame.table,
        name: `${run.experiment}-run${runId}`,
        run: runMetadata(run, steps),
        notPackaged: notPackaged(steps, frame.step, model.step, transformers),
      });
    } catch (error) {
      if (!(error instanceof DataError)) throw error;
      failures.push(`${frame.step}${frame.path}: ${messageOf(error)}`);
    }
  }
  throw new DataError(
    `run ${runId}: found the model (${model.step}${model.path}) and ${transformers.length} fitted transformer${transformers.length === 1 ? "" : "s"}` +
      (transformers.length > 0 ? ` (${transformers.map((t) => `${t.step}${t.path}`).join(", ")})` : "") +
      `, but no frame they take: ${failures.length === 0 ? "no step before the model outputs a table" : failures.join("; ")}. Package it from the notebook with packagePipeline({ model, transformers, reference })`,
  );
}

/** Each step's last successful execution, in the order the steps first ran. */
function latestSteps(executions: readonly StepExecution[]): StepExecution[] {
  const latest = new Map<string, StepExecution>();
  for (const e of executions) if (e.outcome === "miss" || e.outcome === "hit") latest.set(e.step, e);
  return [...latest.values()];
}

function findModel(runId: RunId, steps: readonly StepExecution[], outputs: Map<string, unknown>, unavailable: readonly string[], wanted: string | undefined): Found<TrainedModel> {
  const isModel = (v: unknown): v is TrainedModel => (v as TrainedModel | null)?.kind === "pipelab.model";
  if (wanted !== undefined && !steps.some((s) => s.step === wanted)) {
    throw new DataError(`run ${runId} has no step "${wanted}"; its steps are ${steps.map((s) => `"${s.step}"`).join(", ")}`);
  }
  const models = steps.filter((s) => wanted === undefined || s.step === wanted).flatMap((s) => partsOf(s.step, outputs.get(s.step), isModel));
  if (models.length === 1) return models[0] as Found<TrainedModel>;
  if (models.length > 1) {
    throw new DataError(`run ${runId} has ${models.length} trained models (${models.map((m) => `${m.step}${m.path}`).join(", ")}): name the one to package with --model STEP`);
  }
  const missing = unavailable.length > 0 ? `; the outputs of ${unavailable.map((s) => `"${s}"`).join(", ")} are not in the disk cache (computed with cache: "memory" or "off", or pruned): run the notebook again` : "";
  throw new DataError(`run ${runId} has no trained model among its steps' cached outputs${wanted === undefined ? "" : ` (step "${wanted}")`}${missing}`);
}

/** The values of `output` (itself, its properties, its elements) that pass `test`. */
function partsOf<T>(step: string, output: unknown, test: (v: unknown) => v is T): Found<T>[] {
  if (test(output)) return [{ step, path: "", value: output }];
  if (output === null || typeof output !== "object" || isColumnarTable(output) || isDanfoFrame(output)) return [];
  const entries: [string, unknown][] = Array.isArray(output) ? output.map((v, i) => [`[${i}]`, v]) : Object.entries(output).map(([k, v]) => [`.${k}`, v]);
  return entries.filter(([, v]) => test(v)).map(([path, v]) => ({ step, path, value: v as T }));
}

function runMetadata(run: RunDetails, steps: readonly StepExecution[]): NonNullable<Parameters<typeof packagePipeline>[1]["run"]> {
  return {
    id: run.id,
    experiment: run.experiment,
    params: run.params,
    metrics: run.metrics,
    fingerprints: Object.fromEntries(steps.filter((s) => s.outputFingerprint !== undefined).map((s) => [s.step, s.outputFingerprint as string])),
    stepKeys: Object.fromEntries(steps.filter((s) => s.cacheKey !== undefined).map((s) => [s.step, s.cacheKey as string])),
    ...(run.tfBackend === null ? {} : { backend: run.tfBackend }),
    gitCommit: run.gitCommit,
  };
}

/** The steps a request does not go through, and why. */
function notPackaged(steps: readonly StepExecution[], referenceStep: string, modelStep: string, transformers: readonly Found<Transformer>[]): NotPackaged[] {
  const order = steps.map((s) => s.step);
  const at = (step: string): number => order.indexOf(step);
  const kept = new Set([...transformers.map((t) => t.step), modelStep]);
  return steps
    .filter((s) => !kept.has(s.step))
    .map((s) => ({
      step: s.step,
      why:
        at(s.step) <= at(referenceStep)
          ? s.step === referenceStep
            ? "its output is the package's input: requests send rows of it"
            : "it runs before the package's input (loading or preparing the data): requests send what it leads to"
          : at(s.step) > at(modelStep)
            ? "it runs after the model (evaluation): not needed to predict"
            : "custom code between the input and the model, not a fitted transformer: it cannot be packaged",
    }));
}
