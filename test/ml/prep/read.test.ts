import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DataFrame } from "danfojs-node";
import { datasetPath, loadDatasetRows } from "../../../src/data";
import { castColumns, readCsv, readJson } from "../../../src/ml/prep";
import { tempDir } from "../../helpers/tmp";
import { assertDataError, col } from "./fixtures";

const dir = tempDir("pipelab-prep-");
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("readCsv", () => {
  it("reads a vega-datasets CSV like loadDatasetRows, with dtypes decided on every row", () => {
    const df = readCsv(datasetPath("seattle-weather"));
    const rows = loadDatasetRows("seattle-weather");
    assert.deepEqual(df.shape, [rows.length, 6]);
    assert.deepEqual(df.columns, Object.keys(rows[0] ?? {}));
    assert.deepEqual(df.dtypes, ["string", "float32", "float32", "float32", "float32", "string"]);
    assert.deepEqual(col(df, "temp_max"), rows.map((r) => r.temp_max));
    assert.deepEqual(df.index.slice(0, 3), [0, 1, 2]);
  });

  it("handles quotes, CRLF, a BOM, empty cells, and keeps text columns as text", () => {
    const path = file("quoted.csv", '\uFEFFid,name,zip,score\r\n1,"Doe, Jane",007,1.5\r\n2,"say ""hi""\nthere",,\r\n3,plain,123,2\r\n');
    const df = readCsv(path);
    assert.deepEqual(df.columns, ["id", "name", "zip", "score"]);
    assert.deepEqual(df.dtypes, ["int32", "string", "float32", "float32"]);
    assert.deepEqual(col(df, "name"), ["Doe, Jane", 'say "hi"\nthere', "plain"]);
    assert.deepEqual(col(df, "zip"), [7, null, 123]);
    assert.deepEqual(col(df, "score"), [1.5, null, 2]);
    const text = readCsv(file("zips.csv", "zip\n007\nA12\n"));
    assert.deepEqual(col(text, "zip"), ["007", "A12"]);
    assert.deepEqual(text.dtypes, ["string"]);
  });

  it("takes a delimiter, missing-value markers and dtypes", () => {
    const df = readCsv(file("semi.csv", "a;b\n1;NA\n2;x\n"), { delimiter: ";", naValues: ["", "NA"], dtypes: { a: "float32" } });
    assert.deepEqual(col(df, "b"), [null, "x"]);
    assert.deepEqual(df.dtypes, ["float32", "string"]);
    const tsv = readCsv(file("t.tsv", "a\tb\n1\t2\n"));
    assert.deepEqual(tsv.columns, ["a", "b"]);
  });

  it("names the file and the line of a missing or malformed file", () => {
    assertDataError(() => readCsv(join(dir, "nope.csv")), /cannot read the CSV file ".*nope\.csv": no such file/);
    // A relative path: the error says what it resolved to, against which folder, and the rule.
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      assertDataError(
        () => readCsv("../data/nope.csv"),
        /cannot read the CSV file "\.\.\/data\/nope\.csv": no such file: .*\/data\/nope\.csv, resolved against the working folder .* \(relative paths resolve against the working folder: in a notebook, the notebook's own folder/,
      );
    } finally {
      process.chdir(cwd);
    }
    assertDataError(() => readCsv(dir), /cannot read the CSV file .*: it is a folder/);
    assertDataError(() => readCsv(file("short.csv", "a,b\n1,2\n3\n")), /short\.csv: line 3: 1 field where the header \(line 1\) has 2/);
    assertDataError(() => readCsv(file("open.csv", 'a,b\n1,"never closed\n')), /open\.csv: line 2: a quoted field is never closed/);
    assertDataError(() => readCsv(file("after.csv", 'a\n"x"y\n')), /after\.csv: line 2: text after a closing quote/);
    assertDataError(() => readCsv(file("empty.csv", "")), /empty\.csv: line 1: the file is empty/);
    assertDataError(() => readCsv(file("dup.csv", "a,a\n1,2\n")), /dup\.csv: the header names the column "a" twice/);
  });

  it("names an empty header cell as pandas does", () => {
    assert.deepEqual(readCsv(file("pandas.csv", ",x\n0,1\n1,2\n")).columns, ["Unnamed: 0", "x"]);
  });
});

describe("readJson", () => {
  it("reads penguins.json, records with nulls, dtypes from every row", () => {
    const df = readJson(datasetPath("penguins"));
    assert.deepEqual(df.shape, [344, 7]);
    assert.deepEqual(df.dtypes, ["string", "string", "float32", "float32", "float32", "float32", "string"]);
    assert.equal(col(df, "Body Mass (g)")[3], null);
  });

  it("reads an object of columns, fills absent keys with null, turns a mixed column into text", () => {
    const cols = readJson(file("cols.json", '{"a": [1, 2], "b": [true, false]}'));
    assert.deepEqual(cols.dtypes, ["int32", "boolean"]);
    const recs = readJson(file("recs.json", '[{"a": 1, "m": 1}, {"b": "x", "m": "two"}]'));
    assert.deepEqual(recs.columns, ["a", "m", "b"]);
    assert.deepEqual(col(recs, "a"), [1, null]);
    assert.deepEqual(col(recs, "m"), ["1", "two"]);
    assert.deepEqual(recs.dtypes, ["float32", "string", "string"]);
  });

  it("names the file of a missing or malformed file", () => {
    assertDataError(() => readJson(join(dir, "nope.json")), /cannot read the JSON file ".*nope\.json": no such file/);
    assertDataError(() => readJson(file("bad.json", "[{")), /bad\.json: .*JSON/);
    assertDataError(() => readJson(file("num.json", "42")), /num\.json: it holds 42; expected an array of records or an object of columns/);
    assertDataError(() => readJson(file("nested.json", '[{"a": {"b": 1}}]')), /nested\.json: the value of "a" in record 0 is \{"b":1\}/);
    assertDataError(() => readJson(file("ragged.json", '{"a": [1], "b": [1, 2]}')), /the column "b" has 2 values where the others have 1/);
    assertDataError(() => readJson(file("none.json", "[]")), /the array holds no records/);
  });
});

describe("castColumns", () => {
  const df = new DataFrame({ n: ["1", " 2 ", "3"], f: [1, 2.5, null], b: ["true", "FALSE", "1"], s: [1, 2, 3] }, { index: ["a", "b", "c"] });

  it("casts to each type, keeps missing values missing, the other columns and the index", () => {
    const out = castColumns(df, { n: "int32", f: "string", b: "boolean", s: "float32" });
    assert.deepEqual(out.dtypes, ["int32", "string", "boolean", "float32"]);
    assert.deepEqual(col(out, "n"), [1, 2, 3]);
    assert.deepEqual(col(out, "f"), ["1", "2.5", null]);
    assert.deepEqual(col(out, "b"), [true, false, true]);
    assert.deepEqual(out.index, ["a", "b", "c"]);
    assert.deepEqual(col(df, "n"), ["1", " 2 ", "3"]);
  });

  it("names the column and the first value it cannot cast", () => {
    assertDataError(() => castColumns(df, { f: "int32" }), /cannot cast the column "f" to int32: row 1 \(index label "b"\) holds 2.5; int32 takes whole numbers/);
    assertDataError(() => castColumns(new DataFrame({ f: [1, null] }), { f: "int32" }), /row 1 holds null; int32 cannot hold a missing value/);
    assertDataError(() => castColumns(new DataFrame({ t: ["1", "x", "y"] }), { t: "float32" }), /cannot cast the column "t" to float32: row 1 holds "x"/);
    assertDataError(() => castColumns(df, { b: "float32" }), /cannot cast the column "b" to float32: row 0 \(index label "a"\) holds "true"/);
    assertDataError(() => castColumns(df, { nope: "string" }), /castColumns: the frame lacks the column "nope"/);
    assertDataError(() => castColumns(df, { n: "number" as "int32" }), /unknown type "number" for the column "n"/);
  });
});

describe("readCsv on a big file", () => {
  it("still reads it, and says once that readCsvTable is the reader for that size", () => {
    const dir = tempDir();
    const file = join(dir, "big.csv");
    const row = "x".repeat(1 << 20);
    writeFileSync(file, `text\n${Array.from({ length: 17 }, () => row).join("\n")}\n`);
    const script = `const { readCsv } = require(${JSON.stringify(join(__dirname, "..", "..", "..", "src", "ml"))}); readCsv(${JSON.stringify(file)}); const df = readCsv(${JSON.stringify(file)}); console.log(df.shape[0]);`;
    const run = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { encoding: "utf8" });
    assert.equal(run.stdout.trim(), "17");
    const warnings = run.stderr.split("\n").filter((l) => l.includes("readCsvTable"));
    assert.equal(warnings.length, 1, run.stderr);
    assert.match(warnings[0] ?? "", /big\.csv is 17\.\d MB/);
  });
});
