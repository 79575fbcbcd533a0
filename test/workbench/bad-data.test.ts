import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ColumnarTable, executeSql, readCsvTable, readDelta, readParquet, sqlString } from "../../src/data";
import { StepError } from "../../src/errors";
import { ExperimentStore } from "../../src/tracking";
import { Workbench } from "../../src/workbench";
import { tempDir } from "../helpers/tmp";

// The bad inputs, each inside a step of a running session: a clear
// error that names the file and says what to do, and nothing already stored lost.
describe("bad data in a step", () => {
  it("names the file and what to do for a missing file, a corrupt Parquet footer, a newer Delta protocol and a schema violation, and loses nothing stored", async () => {
    const dir = tempDir();
    const store = join(dir, "experiments.db");
    const lines: string[] = [];
    const wb = await Workbench.open({ experiment: "bad", store, cacheDir: join(dir, "cache"), print: (l) => lines.push(l) });
    const good = await wb.sql("good", "SELECT range AS i FROM range(10)");
    assert.equal(good.rows, 10);

    const corrupt = join(dir, "corrupt.parquet");
    await executeSql(`COPY (SELECT range AS a FROM range(1000)) TO ${sqlString(corrupt)} (FORMAT parquet)`);
    // The footer's last 64 bytes zeroed: its length and the closing magic bytes are gone.
    const whole = readFileSync(corrupt);
    whole.fill(0, whole.length - 64);
    writeFileSync(corrupt, whole);

    const delta = join(dir, "newer-delta");
    mkdirSync(join(delta, "_delta_log"), { recursive: true });
    writeFileSync(
      join(delta, "_delta_log", "00000000000000000000.json"),
      `${JSON.stringify({ protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ["deletionVectors"], writerFeatures: ["deletionVectors"] } })}\n${JSON.stringify({ metaData: { id: "x", format: { provider: "parquet", options: {} }, schemaString: JSON.stringify({ type: "struct", fields: [] }), partitionColumns: [], configuration: {} } })}\n`,
    );

    const csv = join(dir, "ages.csv");
    writeFileSync(csv, "age\n30\n-4\n");

    const cases: [string, () => Promise<ColumnarTable>, RegExp][] = [
      ["missing", () => readParquet(join(dir, "nope.parquet")), /nope\.parquet.*no such file/],
      ["corrupt", () => readParquet(corrupt), /corrupt\.parquet.*not a valid Parquet file.*write or copy it again/],
      ["delta", () => readDelta(delta), /newer-delta.*deletion/i],
      ["schema", () => readCsvTable(csv, { schema: { age: { type: "integer", min: 0 } } }), /ages\.csv[\s\S]*age[\s\S]*min/],
    ];
    for (const [name, read, message] of cases) {
      await assert.rejects(
        wb.step(name, read),
        (error: unknown) => error instanceof StepError && message.test(`${error.message} ${String((error as { cause?: unknown }).cause)}`),
        name,
      );
    }
    const again = await wb.sql("good", "SELECT range AS i FROM range(10)");
    assert.equal(again.rows, 10);
    assert.match([...lines].reverse().find((l) => l.startsWith("▸ good:")) ?? "", /cached/, "the cache is intact");
    const runId = wb.runId;
    wb.finish();

    const s = ExperimentStore.open(store);
    try {
      const counts = s.stepCounts([runId]).get(runId);
      assert.equal(counts?.failed, 4);
      assert.ok((counts?.computed ?? 0) + (counts?.cached ?? 0) >= 2, "the good step's records are there");
    } finally {
      s.close();
    }
  });
});
