import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ExperimentStore, MetricBuffer } from "../../src/tracking";
import { tempDir } from "../helpers/tmp";

describe("a timed write of metric points that fails", () => {
  it("does not escape as an uncaught exception; the points stay pending and the next flush says what failed", async () => {
    const store = ExperimentStore.open(join(tempDir(), "experiments.db"));
    const run = store.createRun({ experiment: "buffer", sourceKind: "script" });
    const buffer = new MetricBuffer(store, run, 1000, 10);
    const uncaught: unknown[] = [];
    const listener = (error: unknown): void => {
      uncaught.push(error);
    };
    process.on("uncaughtException", listener);
    try {
      store.close(); // every write now fails, as on a full disk
      buffer.add([{ key: "loss", value: 0.5, step: 1, tsMs: Date.now() }]);
      await new Promise((done) => setTimeout(done, 100));
      assert.deepEqual(uncaught, []);
      assert.equal(buffer.size, 1, "the point is kept");
      assert.throws(() => buffer.flush(), /not open|closed/i);
      assert.equal(buffer.size, 1, "still kept after the explicit flush failed");
    } finally {
      process.off("uncaughtException", listener);
    }
  });
});
