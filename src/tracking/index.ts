export { ExperimentStore } from "./store";
export type { BrowsableStore, RunStore } from "./run-store";
export type { StoreOpenOptions } from "./open-store";
export { StoreKey, STORE_KEY_ENV, STORE_KEY_FILE_ENV, STORE_NEW_KEY_ENV, readKeyFile, storeKey } from "./store-key";
export { changeStoreKey } from "./rekey-store";
export type { KeyChange, KeyChangeReport } from "./rekey-store";
export { STALE_HEARTBEAT_MS } from "./crash-sweep";
export { FilterError, compileFilter, parseFilter } from "./filter";
export type { Comparison, FilterObject, FilterValue, RunFilter } from "./filter";
export { ENVIRONMENT_LABELS, diffRuns } from "./run-diff";
export { parseRunOrder } from "./run-order";
export type { CodeChange, DiffedRun, EnvironmentField, FileChange, KeyedStep, RunDiff, RunDiffSource, StepDiff, StepSide } from "./run-diff";
export { gitState } from "./git";
export type { GitState } from "./git";
export { MetricBuffer } from "./metric-buffer";
export { PredictionLog } from "./prediction-log";
export type { PredictionLogOptions, PredictionLogStats } from "./prediction-log";
export type { JsonValue, PredictionInput, PredictionQuery, PredictionRecord, PredictionShapes, PredictionWriteOptions } from "./prediction-records";
export { MODEL_RUN_TAG, servingExperiment, startServingRun } from "./serving-run";
export type { ServingRunInit } from "./serving-run";
export type { Shape } from "./stored-json";
export { APPLICATION_ID, SCHEMA_VERSION } from "./schema";
export { defaultStorePath, isPostgresUrl, storeLocation } from "./location";
export type {
  ArtifactInit,
  ArtifactRecord,
  BestRunQuery,
  ComparedRun,
  CompareQuery,
  RunOrder,
  RunOrderField,
  ExperimentId,
  HistoryOptions,
  MetricPoint,
  MetricPointInput,
  ParamValue,
  RunComparison,
  RunDetails,
  RunFailure,
  RunId,
  RunInit,
  RunQuery,
  RunRecord,
  RunStatus,
  SourceKind,
  StepCounts,
  StepExecution,
  StepKey,
} from "./types";
export { PostgresStore } from "./pg-store";
export { openStore } from "./open-any";
export { initSharedStore } from "./pg-access";
export type { AuditEntry, AuditQuery, SharedStoreInit, SharedStoreReport } from "./pg-access";
export type { PostgresStoreOptions } from "./pg-store";
export { pushStore } from "./store-push";
export type { PushOptions, PushReport, PushedRun, SkippedRun } from "./store-push";
