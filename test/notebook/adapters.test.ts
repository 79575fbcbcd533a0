import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import * as dfd from "danfojs-node";
import { TSLAB_VERSION, inTslab, loadTslabKernel, tslabVariables } from "../../src/notebook/tslab-adapter";
import { DANFO_VERSION, adoptColumns, isDanfoFrame, isDanfoSeries } from "../../src/util";

const manifest = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8")) as { dependencies: Record<string, string> };

describe("the adapters around third-party internals", () => {
  it("tslab: the pinned version is the one the adapter knows, and its parts load", () => {
    assert.equal(manifest.dependencies.tslab, TSLAB_VERSION);
    const parts = loadTslabKernel();
    for (const part of [parts.createConverter, parts.createExecutor, parts.isCompleteCode, parts.printQuickInfo, parts.zmq.Router, parts.zmq.Publisher, parts.zmq.Reply]) assert.equal(typeof part, "function");
    assert.equal(typeof parts.ts.createSourceFile, "function");
    assert.equal(inTslab(), false, "a test is not a kernel");
    assert.deepEqual(tslabVariables(), {});
  });

  it("danfo: the pinned version is the one the adapter knows; frames and series are told apart by shape", () => {
    assert.equal(manifest.dependencies["danfojs-node"], DANFO_VERSION);
    const df = new dfd.DataFrame({ a: [1, 2], b: ["x", "y"] });
    assert.ok(isDanfoFrame(df) && !isDanfoSeries(df));
    const s = df.column("a");
    assert.ok(isDanfoSeries(s) && !isDanfoFrame(s));
    assert.ok(!isDanfoFrame({ columns: [], dtypes: [], index: [], column: () => 0 }), "a look-alike object is not a frame");
  });

  it("danfo: a frame gets its columns without danfo's constructor, and a foreign shape is refused", () => {
    const df = new dfd.DataFrame([[1, "x"]], { columns: ["a", "b"], index: [0] });
    const columns = [
      [1, 2, 3],
      ["x", "y", "z"],
    ];
    assert.ok(adoptColumns(df, columns, [0, 1, 2], () => [[1, "x"], [2, "y"], [3, "z"]]));
    assert.deepEqual(df.column("b").values, ["x", "y", "z"]);
    assert.deepEqual(df.values, [[1, "x"], [2, "y"], [3, "z"]], "rows are built on first use");
    assert.equal(adoptColumns({} as dfd.DataFrame, columns, [0, 1, 2], () => []), false);
  });
});
