/**
 * Data preparation on danfo DataFrames, in the scikit-learn sense: read files,
 * cast columns, split rows (seeded, optionally stratified), and transformers
 * (scalers, encoders, an imputer, a column transformer) that learn on train
 * and apply to test, are strict about columns, and are cacheable.
 *
 * Every function returns new frames and leaves its input unchanged.
 * Transformers keep the row index of their input; splits reset it to 0..n-1.
 * Numeric outputs are float32 (danfo labels its numbers so; the values stay
 * JavaScript numbers, not rounded to 32 bits).
 *
 * @example
 * ```ts
 * import { loadDataset } from "pipelab";
 * import { ColumnTransformer, LabelEncoder, OneHotEncoder, StandardScaler, trainTestSplit } from "pipelab"; // src/ml/prep
 *
 * const penguins = loadDataset("penguins").dropNa({ axis: 1 });
 * const { train, test } = trainTestSplit(penguins, { testSize: 0.25, seed: 7, stratify: "Species" });
 * const prep = new ColumnTransformer([
 *   ["numbers", new StandardScaler({ columns: ["Beak Length (mm)", "Beak Depth (mm)", "Flipper Length (mm)", "Body Mass (g)"] })],
 *   ["categories", new OneHotEncoder({ columns: ["Island", "Sex"] })],
 *   ["label", new LabelEncoder({ column: "Species" })],
 * ], { remainder: "drop" });
 * const xTrain = prep.fitTransform(train);
 * const xTest = prep.transform(test);
 * ```
 */
import "./serializer";

export { readCsv, readJson } from "./read";
export type { ReadCsvOptions } from "./read";
export { castColumns } from "./cast";
export type { ColumnType } from "./cast";
export { trainTestSplit, trainValTestSplit } from "./split";
export type { TrainTestSplit, TrainTestSplitOptions, TrainValTestSplit, TrainValTestSplitOptions } from "./split";
export { isTransformer } from "./transformer";
export type { Transformer, TransformerJSON, TransformerKind, FittedState } from "./transformer";
export { transformerFromJSON } from "./from-json";
export { TRANSFORMER_SERIALIZER } from "./serializer";
export { StandardScaler } from "./standard-scaler";
export type { StandardScalerJSON, StandardScalerOptions, StandardScalerState } from "./standard-scaler";
export { MinMaxScaler } from "./min-max-scaler";
export type { MinMaxScalerJSON, MinMaxScalerOptions, MinMaxScalerState } from "./min-max-scaler";
export { OneHotEncoder } from "./one-hot-encoder";
export type { OneHotEncoderJSON, OneHotEncoderOptions, OneHotEncoderParams, OneHotEncoderState } from "./one-hot-encoder";
export { SimpleImputer } from "./simple-imputer";
export type { ImputeStrategy, SimpleImputerJSON, SimpleImputerOptions, SimpleImputerParams, SimpleImputerState } from "./simple-imputer";
export { LabelEncoder } from "./label-encoder";
export type { LabelEncoderJSON, LabelEncoderOptions, LabelEncoderParams, LabelEncoderState } from "./label-encoder";
export { ColumnTransformer } from "./column-transformer";
export type { ColumnTransformerJSON, ColumnTransformerOptions, ColumnTransformerParams, ColumnTransformerState, NamedTransformer } from "./column-transformer";
