export { ExperimentStore } from "./store";
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
