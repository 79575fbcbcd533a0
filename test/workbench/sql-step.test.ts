import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { decode, encode } from "../../src/cache";
import { ColumnarTable, executeSql, sqlString } from "../../src/data";
import { Workbench } from "../../src/workbench";
import { tempDir } from "../helpers/tmp";

async function bench(dir: string): Promise<{ wb: Workbench; lines: string[] }> {
  const lines: string[] = [];
  const wb = await Workbench.open({ experiment: "sql", store: join(dir, "experiments.db"), cacheDir: join(dir, "cache"), print: (l) => lines.push(l) });
  return { wb, lines };
}
const last = (lines: string[], step: string): string => [...lines].reverse().find((l) => l.startsWith(`▸ ${step}:`)) ?? "";

describe("wb.sql", () => {
  it("is a step cached by its query and inputs: a new query or new input recomputes it, the same is served", async () => {
    const dir = tempDir();
    const { wb, lines } = await bench(dir);
    const trips = await wb.step("trips", () => ColumnarTable.fromColumns({ city: ["a", "b", "a", "c"], km: [1, 2, 3, 4] }));
    const total = async (query: string) => (await wb.sql("totals", query, { trips })).value("km", 0);
    assert.equal(await total("SELECT sum(km) AS km FROM trips"), 10);
    assert.equal(await total("SELECT sum(km) AS km FROM trips"), 10);
    assert.match(last(lines, "totals"), /cached/);
    assert.equal(await total("SELECT max(km) AS km FROM trips"), 4);
    assert.match(last(lines, "totals"), /computed/, "the query is part of the key");
    assert.deepEqual(lines.filter((l) => l.startsWith("⚠")), [], "nothing about the step's own code is unidentified");
    wb.finish();
  });

  it("keys the step by the files its query names, and recomputes when one changes", async () => {
    const dir = tempDir();
    const file = join(dir, "t.parquet");
    const write = (rows: number) => executeSql(`COPY (SELECT range AS a FROM range(${rows})) TO ${sqlString(file)} (FORMAT parquet)`);
    await write(5);
    const { wb, lines } = await bench(dir);
    const count = async () => (await wb.sql("count", `SELECT count(*) AS n FROM '${file}'`)).value("n", 0);
    assert.equal(await count(), 5);
    assert.equal(await count(), 5);
    assert.match(last(lines, "count"), /cached/);
    await write(9);
    assert.equal(await count(), 9);
    assert.match(last(lines, "count"), /t\.parquet changed/);
    wb.finish();
  });

  it("is served from the cache in a new session as a columnar table, through the codec", async () => {
    const dir = tempDir();
    const first = await bench(dir);
    const make = (wb: Workbench) => wb.sql("range", "SELECT range AS i, range % 3 AS k, 'x' || (range % 5) AS s FROM range(100000)");
    const a = await make(first.wb);
    first.wb.finish();
    const second = await bench(dir);
    const b = await make(second.wb);
    assert.match(last(second.lines, "range"), /cached/);
    const decoded = (await decode(await encode(a))) as ColumnarTable;
    assert.ok(decoded instanceof ColumnarTable);
    assert.deepEqual(decoded.strings("s"), a.strings("s"));
    assert.deepEqual([...(decoded.column("k") as Float64Array)], [...(a.column("k") as Float64Array)]);
    assert.equal(b.rows, 100_000);
    assert.deepEqual(b.dtypes, a.dtypes);
    assert.deepEqual(b.strings("s").slice(0, 6), a.strings("s").slice(0, 6));
    assert.equal(b.value("i", 99_999), 99_999);
    second.wb.finish();
  });

  it("refuses an input named like its own query", async () => {
    const { wb } = await bench(tempDir());
    await assert.rejects(wb.sql("bad", "SELECT 1", { query: "x.parquet" }), /an input cannot be named "query"/);
    wb.finish();
  });
});
