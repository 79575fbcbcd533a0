/**
 * A serving session in the store: a run of its own, in the experiment
 * "<the model's experiment>/serving" ("serving" when the model's run is
 * unknown), tagged with the model's run id, so that `pipelab runs ls` lists
 * serving sessions beside (not among) the training runs of their experiment,
 * and each logged prediction has a run to belong to (and to be deleted with).
 */
import type { RunStore } from "./run-store";
import type { RunId } from "./types";

/** The tag of a serving run that holds the id of the run its model was trained in. */
export const MODEL_RUN_TAG = "pipelab.serving.model_run";

/** What a serving run records: the model's run (a package manifest's `run`), and optionally a name and where the server runs from. */
export interface ServingRunInit {
  /** The run the model was trained in, with its experiment; null when unknown. */
  model: { readonly id: number; readonly experiment: string } | null;
  name?: string;
  sourcePath?: string;
}

/** The experiment of the serving runs of a model trained in `modelExperiment` (null: unknown). */
export function servingExperiment(modelExperiment: string | null): string {
  return modelExperiment === null ? "serving" : `${modelExperiment}/serving`;
}

/**
 * Starts the run of a serving session, in state `running`: end it with
 * `store.endRun(run, "finished")` when the server stops (a server killed
 * without a word is marked crashed, as any run), and refresh its heartbeat
 * (`store.heartbeat(run)`) every 30 s as the workbench does for a run.
 *
 * @example
 * ```ts
 * const run = startServingRun(store, { model: { id: 12, experiment: "penguins" } });
 * store.getRun(run)?.experiment; // "penguins/serving"
 * ```
 */
export function startServingRun(store: RunStore, init: ServingRunInit): RunId {
  const run = store.createRun({
    experiment: servingExperiment(init.model?.experiment ?? null),
    sourceKind: "script",
    ...(init.name === undefined ? {} : { name: init.name }),
    ...(init.sourcePath === undefined ? {} : { sourcePath: init.sourcePath }),
  });
  if (init.model) store.setTag(run, MODEL_RUN_TAG, String(init.model.id));
  return run;
}
