import { ColumnTransformer, type ColumnTransformerJSON } from "./column-transformer";
import { describeValue } from "./frame";
import { LabelEncoder, type LabelEncoderJSON } from "./label-encoder";
import { MinMaxScaler, type MinMaxScalerJSON } from "./min-max-scaler";
import { OneHotEncoder, type OneHotEncoderJSON } from "./one-hot-encoder";
import { SimpleImputer, type SimpleImputerJSON } from "./simple-imputer";
import { StandardScaler, type StandardScalerJSON } from "./standard-scaler";
import { type Transformer, type TransformerKind, expectRecord, invalidJson } from "./transformer";

const BUILDERS: Record<TransformerKind, (json: never) => Transformer> = {
  StandardScaler: (json: StandardScalerJSON) => StandardScaler.fromJSON(json),
  MinMaxScaler: (json: MinMaxScalerJSON) => MinMaxScaler.fromJSON(json),
  OneHotEncoder: (json: OneHotEncoderJSON) => OneHotEncoder.fromJSON(json),
  SimpleImputer: (json: SimpleImputerJSON) => SimpleImputer.fromJSON(json),
  LabelEncoder: (json: LabelEncoderJSON) => LabelEncoder.fromJSON(json),
  ColumnTransformer: (json: ColumnTransformerJSON) => ColumnTransformer.fromJSON(json, transformerFromJSON),
};

/**
 * Rebuilds any transformer from what its `toJSON()` returned (or that JSON
 * through JSON.stringify and JSON.parse): the same kind, parameters and
 * fitted state, so it transforms exactly as the original. A ColumnTransformer
 * comes back with its steps. Malformed JSON is a DataError naming the path.
 *
 * @example
 * ```ts
 * const text = JSON.stringify(scaler.fitted ? scaler : scaler.fit(train));
 * const again = transformerFromJSON(JSON.parse(text));
 * again.transform(test); // the same frame as scaler.transform(test)
 * ```
 */
export function transformerFromJSON(json: unknown): Transformer {
  const obj = expectRecord(json, "the transformer");
  const kind = obj.kind;
  if (typeof kind !== "string" || !Object.hasOwn(BUILDERS, kind)) {
    throw invalidJson("kind", `is ${describeValue(kind)}; expected one of ${Object.keys(BUILDERS).join(", ")}`);
  }
  expectRecord(obj.params, "params");
  if (obj.state !== null && obj.state !== undefined) expectRecord(obj.state, "state");
  // The builder checks the parameters (through the constructor) and the state.
  return (BUILDERS[kind as TransformerKind] as (json: unknown) => Transformer)(obj);
}
