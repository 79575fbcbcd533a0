export { BACKEND_ENV, initBackend } from "./backend";
export type { BackendInfo, BackendName } from "./backend";
export { seededRandom, shuffled } from "./random";
export { predict, predictProba, trainModel } from "./models";
export type { Activation, Features, Labels, OptimizerName, Task, TrainData, TrainOptions, TrainedModel } from "./models";
export { evaluate } from "./evaluate";
export type { ClassCurves, ClassificationReport, EvaluateOptions, EvaluationReport, RegressionReport } from "./evaluate";
export * as metrics from "./metrics";
export {
  ColumnTransformer,
  LabelEncoder,
  MinMaxScaler,
  OneHotEncoder,
  SimpleImputer,
  StandardScaler,
  castColumns,
  isTransformer,
  readCsv,
  readJson,
  trainTestSplit,
  trainValTestSplit,
  transformerFromJSON,
} from "./prep";
export type { ColumnType, ImputeStrategy, NamedTransformer, Transformer, TransformerJSON, TrainTestSplit, TrainValTestSplit } from "./prep";
