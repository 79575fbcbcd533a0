import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runs as runsCommand } from "../../src/cli/runs-commands";
import { ExperimentStore, parseRunOrder } from "../../src/tracking";
import { tempDir } from "../helpers/tmp";
import { describeRunOrders } from "./run-order-cases";

const orderStoreFile = join(tempDir("run-order-"), "experiments.db");
describeRunOrders("the SQLite store", () => ExperimentStore.open(orderStoreFile));

describe("parseRunOrder: an order as a URL or a command line writes it", () => {
  it("reads fields, params and metrics with their aggregate, then the direction (desc by default)", () => {
    assert.deepEqual(parseRunOrder("name:asc"), { field: "name", direction: "asc" });
    assert.deepEqual(parseRunOrder("id"), { field: "started", direction: "desc" });
    assert.deepEqual(parseRunOrder("params.lr"), { param: "lr", direction: "desc" });
    assert.deepEqual(parseRunOrder("params.a:b:asc"), { param: "a:b", direction: "asc" });
    assert.deepEqual(parseRunOrder("metrics.loss:min:asc"), { metric: "loss", aggregate: "min", direction: "asc" });
    assert.deepEqual(parseRunOrder("metrics.val loss"), { metric: "val loss", aggregate: "last", direction: "desc" });
  });

  it("reads a bare word as a metric only when asked (the CLI's --sort accuracy), and otherwise says what it sorts by", () => {
    assert.deepEqual(parseRunOrder("accuracy:asc", { bareMetric: true }), { metric: "accuracy", direction: "asc" });
    assert.throws(() => parseRunOrder("accuracy"), /invalid sort: "accuracy"; sort by started, duration, name, experiment, status, source, params\.KEY or metrics\.KEY/);
    assert.throws(() => parseRunOrder("params."), /invalid sort/);
  });

  it("is pipelab runs compare --sort", async () => {
    const dir = tempDir("run-order-cli-");
    const path = join(dir, "experiments.db");
    const store = ExperimentStore.open(path);
    for (const [name, lr] of [["b", 0.1], ["a", 0.3], ["c", 0.2]] as const) {
      const id = store.createRun({ experiment: "e", sourceKind: "script", name });
      store.logParams(id, { lr });
      store.endRun(id, "finished");
    }
    store.close();
    const order = async (sort: string): Promise<(string | null)[]> => {
      const lines: string[] = [];
      const log = console.log;
      console.log = (line: string) => void lines.push(line);
      try {
        assert.equal(await runsCommand.run(["compare", "--store", path, "--sort", sort, "--json"]), 0);
      } finally {
        console.log = log;
      }
      return (JSON.parse(lines.join("\n")) as { runs: { name: string | null }[] }).runs.map((r) => r.name);
    };
    assert.deepEqual(await order("name:asc"), ["a", "b", "c"]);
    assert.deepEqual(await order("params.lr"), ["a", "c", "b"]);
    await assert.rejects(order("params."), /invalid sort/);
  });
});
