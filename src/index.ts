/**
 * pipelab: a notebook-style ML pipeline workbench in TypeScript.
 *
 * This file is the public API: what it exports, by name, is what users get.
 * test/public-api.test.ts snapshots the list so that changes are deliberate.
 */
export { Show, Workbench } from "./workbench";
export type { StepFunction, WorkbenchOptions } from "./workbench";
export {
  CacheError,
  CycleError,
  DataError,
  ExportError,
  PipelabError,
  SetupError,
  StepError,
  TrackingError,
} from "./errors";
export { ExperimentStore, defaultStorePath } from "./tracking";
export type { MetricPoint, ParamValue, RunDetails, RunId, RunRecord, RunStatus, SourceKind, StepExecution } from "./tracking";
export { datasetNames, datasetPath, loadDataset, loadDatasetRows } from "./data";
export { renderPlot } from "./charts";
export type { RenderedChart } from "./charts";
export { initBackend, seededRandom, shuffled } from "./ml";
export type { BackendInfo, BackendName } from "./ml";
