import type { DataFrame } from "danfojs-node";
import { loadDataset } from "../../src/data";
export { ColumnTransformer, OneHotEncoder, SimpleImputer, StandardScaler, evaluate, trainModel, trainTestSplit } from "../../src/ml";

/** Penguins without the rows whose species or island is missing. */
export function loadDatasetFrame(): DataFrame {
  return loadDataset("penguins").dropNa({ axis: 1 }) as DataFrame;
}
