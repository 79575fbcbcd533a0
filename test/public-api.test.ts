import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pipelab from "../src/index";

// The public API is exactly what src/index.ts exports. Changing it is a
// deliberate act: update this list in the same commit, and the README's tour.
const EXPECTED = [
  "CacheControl",
  "CacheError",
  "ColumnTransformer",
  "ColumnarTable",
  "CycleError",
  "DataError",
  "ExperimentStore",
  "ExportError",
  "FilterError",
  "InterruptedError",
  "LabelEncoder",
  "MinMaxScaler",
  "OneHotEncoder",
  "PipelabError",
  "SetupError",
  "Show",
  "SimpleImputer",
  "StandardScaler",
  "StepError",
  "TrackingError",
  "Workbench",
  "castColumns",
  "charts",
  "checkInterrupt",
  "datasetNames",
  "datasetPath",
  "defaultStorePath",
  "evaluate",
  "exportNotebook",
  "initBackend",
  "loadDataset",
  "loadDatasetRows",
  "metrics",
  "notebookToScript",
  "predict",
  "predictProba",
  "readCsv",
  "readJson",
  "readNotebook",
  "readParquet",
  "readTrackedFile",
  "registerSerializer",
  "renderPlot",
  "runMain",
  "seededRandom",
  "shuffled",
  "trainModel",
  "trainTestSplit",
  "trainValTestSplit",
  "transformerFromJSON",
  "untracked",
];

describe("the public API", () => {
  it("exports exactly the documented names", () => {
    assert.deepEqual(Object.keys(pipelab).sort(), EXPECTED);
  });
});
