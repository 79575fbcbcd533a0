import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ExperimentStore } from "../../src/tracking";
import { tempDir } from "../helpers/tmp";

describe("listExperiments", () => {
  it("lists the experiments by name with their runs, deleted runs not counted", () => {
    const store = ExperimentStore.open(join(tempDir(), "experiments.db"));
    try {
      const run = (experiment: string) => store.createRun({ experiment, sourceKind: "script" });
      run("penguins");
      const gone = run("penguins");
      run("cars");
      run("penguins/serving");
      store.deleteRun(gone);
      assert.deepEqual(store.listExperiments(), [
        { name: "cars", runs: 1 },
        { name: "penguins", runs: 1 },
        { name: "penguins/serving", runs: 1 },
      ]);
    } finally {
      store.close();
    }
  });
});
