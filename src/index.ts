/**
 * pipelab: a notebook-style ML pipeline workbench in TypeScript.
 *
 * This file is the public API: what it exports, by name, is what users get.
 * test/public-api.test.ts snapshots the list so that changes are deliberate.
 */
export { CacheControl, Show, Workbench, runMain } from "./workbench";
// The types of the values pipelab's functions return, re-exported so that a notebook cell's
// inferred types can be named through "pipelab" even where danfo and TensorFlow.js are not
// resolvable from the user's project (pipelab linked with `npm install ../pipelab`).
export type { DataFrame, Series } from "danfojs-node";
export type { LayersModel, Tensor, Tensor1D, Tensor2D } from "@tensorflow/tfjs";
export type { PlanEntry, PruneOptions, RunMainOptions, StepState, WorkbenchOptions } from "./workbench";
export { untracked } from "./pipeline";
export { checkInterrupt } from "./run-context";
export type { CacheMode, StepFunction, StepOptions } from "./pipeline";
export { registerSerializer } from "./cache";
export type { CacheReport, Encodable, Serializer } from "./cache";
export {
  CacheError,
  CycleError,
  DataError,
  ExportError,
  InterruptedError,
  PipelabError,
  SetupError,
  StepError,
  TrackingError,
} from "./errors";
export { ExperimentStore, FilterError, defaultStorePath } from "./tracking";
export type {
  ComparedRun,
  CompareQuery,
  Comparison,
  FilterObject,
  MetricPoint,
  ParamValue,
  RunComparison,
  RunDetails,
  RunFilter,
  RunId,
  RunQuery,
  RunRecord,
  RunStatus,
  SourceKind,
  StepExecution,
} from "./tracking";
export {
  ColumnarTable,
  DeltaConflictError,
  SchemaReport,
  SchemaViolationError,
  checkSchema,
  datasetNames,
  datasetPath,
  deltaHistory,
  deltaVersion,
  isColumnarTable,
  loadDataset,
  loadDatasetRows,
  readCsvTable,
  readDelta,
  readJsonTable,
  readParquet,
  readTrackedFile,
  sql,
  writeDelta,
  writeParquet,
} from "./data";
export type {
  Aggregate,
  AggregateSpec,
  CheckOptions,
  ColumnRule,
  ColumnValues,
  DeltaCommit,
  Dtype,
  GroupedTable,
  ReadCsvTableOptions,
  ReadDeltaOptions,
  ReadParquetOptions,
  SchemaOnRead,
  SqlInput,
  SqlOptions,
  TableSchema,
  WriteDeltaOptions,
  WriteParquetOptions,
  WrittenDelta,
  WrittenParquet,
} from "./data";
export { renderPlot } from "./charts";
export type { RenderedChart } from "./charts";
export { exportNotebook, notebookToScript, readNotebook } from "./export";
/** Every chart and table as a function returning the rendered chart (wb.show.* draws them). */
export * as charts from "./charts";
export {
  ColumnTransformer,
  LabelEncoder,
  MinMaxScaler,
  OneHotEncoder,
  SimpleImputer,
  StandardScaler,
  castColumns,
  evaluate,
  initBackend,
  metrics,
  predict,
  predictProba,
  readCsv,
  readJson,
  seededRandom,
  shuffled,
  trainModel,
  trainTestSplit,
  trainValTestSplit,
  transformerFromJSON,
} from "./ml";
export type {
  BackendInfo,
  BackendName,
  ClassificationReport,
  ColumnType,
  EvaluationReport,
  Features,
  Labels,
  NamedTransformer,
  RegressionReport,
  Task,
  TrainData,
  TrainOptions,
  TrainTestSplit,
  TrainValTestSplit,
  TrainedModel,
  Transformer,
} from "./ml";
export { InputRejected, loadPipeline, packagePipeline, packageRun } from "./deploy";
export type { InputColumn, LoadedPipeline, Manifest, PackageOptions, Prediction, Signature } from "./deploy";
export { columnDrift, datasetDrift, monitorPipeline } from "./monitor";
export type { ColumnDrift, DatasetDrift, DatasetDriftOptions, DriftWindow, MonitorOptions, MonitorReport } from "./monitor";
export { ServeError, servePipeline } from "./serve";
export type { ServeOptions, ServeStats, ServedPipeline } from "./serve";
