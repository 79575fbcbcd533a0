import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { datasetNames, datasetPath, loadDataset, loadDatasetRows } from "../../src/data";
import { DataError } from "../../src/errors";

describe("vega-datasets loading", () => {
  it("lists the tabular data sets, including the ones the notebooks use", () => {
    const names = datasetNames();
    for (const n of ["penguins", "cars", "seattle-weather", "movies"]) assert.ok(names.includes(n), `${n} missing from ${names.join(", ")}`);
  });

  it("loads penguins as rows with typed values", () => {
    const rows = loadDatasetRows("penguins");
    assert.equal(rows.length, 344);
    assert.equal(rows[0]?.Species, "Adelie");
    assert.equal(typeof rows[0]?.["Flipper Length (mm)"], "number");
  });

  it("loads a CSV data set with numbers typed and dates kept as text", () => {
    const rows = loadDatasetRows("seattle-weather");
    assert.equal(rows.length, 1461);
    assert.deepEqual(Object.keys(rows[0] ?? {}), ["date", "precipitation", "temp_max", "temp_min", "wind", "weather"]);
    assert.equal(rows[0]?.date, "2012-01-01");
    assert.equal(typeof rows[0]?.temp_max, "number");
  });

  it("loads penguins into a danfo DataFrame", () => {
    const df = loadDataset("penguins");
    assert.deepEqual(df.shape, [344, 7]);
    assert.ok(df.columns.includes("Body Mass (g)"));
  });

  it("names the unknown data set and suggests close names", () => {
    assert.throws(
      () => datasetPath("pengiuns"),
      (e: unknown) => e instanceof DataError && /unknown data set "pengiuns"\. Did you mean "penguins"/.test(e.message),
    );
  });
});

describe("Parquet data sets", () => {
  it("finds flights-3m's Parquet file, and says to read it with readParquet rather than as rows", () => {
    assert.match(datasetPath("flights-3m"), /flights-3m\.parquet$/);
    assert.throws(() => loadDatasetRows("flights-3m"), (error: unknown) => error instanceof DataError && /readParquet\(datasetPath\("flights-3m"\)\)/.test(error.message));
  });
});
