export { ExperimentStore, STALE_HEARTBEAT_MS, checkMetric } from "./store";
export type { ComparedRun, CompareQuery, RunComparison, RunQuery, StoreOpenOptions } from "./store";
export { FilterError, compileFilter, parseFilter } from "./filter";
export type { Comparison, FilterObject, FilterValue, RunFilter } from "./filter";
export { gitState } from "./git";
export type { GitState } from "./git";
export { MetricBuffer } from "./metric-buffer";
export { APPLICATION_ID, SCHEMA_VERSION } from "./schema";
export { defaultStorePath } from "./location";
export type {
  ExperimentId,
  MetricPoint,
  ParamValue,
  RunDetails,
  RunId,
  RunInit,
  RunRecord,
  RunStatus,
  SourceKind,
  StepExecution,
} from "./types";
