import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pipelab from "../src/index";

// The public API is exactly what src/index.ts exports. Changing it is a
// deliberate act: update this list in the same commit, and the README's tour.
const EXPECTED = [
  "CacheControl",
  "CacheError",
  "CycleError",
  "DataError",
  "ExperimentStore",
  "ExportError",
  "FilterError",
  "PipelabError",
  "SetupError",
  "Show",
  "StepError",
  "TrackingError",
  "Workbench",
  "datasetNames",
  "datasetPath",
  "defaultStorePath",
  "initBackend",
  "loadDataset",
  "loadDatasetRows",
  "registerSerializer",
  "renderPlot",
  "seededRandom",
  "shuffled",
];

describe("the public API", () => {
  it("exports exactly the documented names", () => {
    assert.deepEqual(Object.keys(pipelab).sort(), EXPECTED);
  });
});
