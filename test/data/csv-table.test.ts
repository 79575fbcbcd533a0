import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ColumnarTable, SchemaViolationError, readCsvTable, readJsonTable } from "../../src/data";
import { readCsv } from "../../src/ml";

const dir = mkdtempSync(join(tmpdir(), "pipelab-csv-table-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("readCsvTable", () => {
  it("reads what readCsv reads: numbers, text kept as written, missing cells", async () => {
    const path = file("ok.csv", 'id,code,x,name\n1,007,1.5,"a, b"\n2,010,,c\n3,5,2,"say ""hi"""\n');
    const t = await readCsvTable(path);
    const df = readCsv(path);
    assert.deepEqual(t.columns, df.columns);
    assert.deepEqual(t.strings("code"), ["007", "010", "5"], '"007" stays text');
    assert.deepEqual(t.strings("name"), ["a, b", "c", 'say "hi"']);
    assert.ok(Number.isNaN(t.value("x", 1) as number));
    assert.deepEqual(ColumnarTable.fromDanfo(df).strings("name"), t.strings("name"));
  });

  it("names the line of a row with too few or too many fields, or an unclosed quote", async () => {
    await assert.rejects(readCsvTable(file("short.csv", "a,b,c\n1,2,3\n4,5\n6,7,8\n")), /short\.csv: line 3: 2 fields where the header \(line 1\) has 3/);
    await assert.rejects(readCsvTable(file("long.csv", "a,b,c\n1,2,3\n4,5,6,7\n")), /long\.csv: line 3: 4 fields where the header \(line 1\) has 3/);
    await assert.rejects(readCsvTable(file("quote.csv", 'a,b,c\n1,2,3\n4,"5,6\n')), /quote\.csv: line 3: a quoted field is never closed/);
  });

  it("refuses a header that names a column twice, an empty file and a missing file", async () => {
    await assert.rejects(readCsvTable(file("dup.csv", "a,a,c\n1,2,3\n")), /names the column "a" twice/);
    await assert.rejects(readCsvTable(file("empty.csv", "")), /empty\.csv.*empty/);
    await assert.rejects(readCsvTable(join(dir, "nope.csv")), /nope\.csv: no such file/);
  });

  it("decides a column's type on every row: a late text value widens it instead of failing or truncating", async () => {
    const rows = Array.from({ length: 50_000 }, (_, i) => `${i},${i % 10}`);
    const path = file("widen.csv", `n,z\n${rows.join("\n")}\n1.5,007\nn/a,x\n`);
    const t = await readCsvTable(path);
    assert.equal(t.rows, 50_002);
    assert.equal(t.dtypes.n, "category");
    assert.equal(t.value("n", 50_001), "n/a");
    assert.equal(t.value("z", 50_000), "007");
  });

  it("holds declared types, naming the line of a value that does not fit", async () => {
    const path = file("declared.csv", "a,b\n1,2\n3,x\n");
    await assert.rejects(readCsvTable(path, { dtypes: { b: "int64" } }), /line 3: the column "b" is declared int64, but holds "x"/);
    await assert.rejects(readCsvTable(path, { dtypes: { nope: "int64" } }), /dtypes names "nope"/);
  });

  it("checks a declared schema on what it read", async () => {
    const path = file("schema.csv", "age,city\n30,Oslo\n-4,Rome\n50,Oslo\n");
    await assert.rejects(readCsvTable(path, { schema: { age: { type: "integer", min: 0 } } }), (error: unknown) => error instanceof SchemaViolationError && /age/.test(error.message));
    const good = await readCsvTable(path, { schema: { age: { type: "integer", min: 0 } }, onViolation: "quarantine", quarantine: join(dir, "bad.csv") });
    assert.equal(good.rows, 2);
  });
});

describe("readJsonTable", () => {
  it("reads an array of records and newline-delimited records", async () => {
    const a = await readJsonTable(file("a.json", '[{"x": 1, "s": "p"}, {"x": 2, "s": null}]'));
    assert.deepEqual([...(a.column("x") as Float64Array)], [1, 2]);
    const b = await readJsonTable(file("b.ndjson", '{"x": 1}\n{"x": 3}\n'));
    assert.equal(b.rows, 2);
    await assert.rejects(readJsonTable(join(dir, "none.json")), /none\.json: no such file/);
  });
});
