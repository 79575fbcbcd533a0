import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ColumnarTable } from "../../src/data";
import { DataError } from "../../src/errors";
import * as drift from "../../src/monitor/drift";
import { columnDrift, datasetDrift } from "../../src/monitor/drift";
import type { ColumnDrift, ColumnDriftOptions, DatasetDriftOptions, DriftKind, DriftMethod, DriftValues } from "../../src/monitor/drift";
import { kolmogorovSf } from "../../src/monitor/drift/kolmogorov";
import { ks2samp } from "../../src/monitor/drift/ks-2samp";
import { smirnovSf } from "../../src/monitor/drift/smirnov";

// ---------------------------------------------------------------------------------------
// The fixture: cases with scipy's answers (and Evidently's, ported), written by
// scripts/make-drift-fixtures.py. Non-finite numbers come as strings, which JSON cannot hold.

type Num = number | "NaN" | "Infinity" | "-Infinity";
type Value = number | string | boolean | null;

interface GeneratorSpec {
  dist: "normal" | "uniform" | "skewed" | "integer" | "category";
  n: number;
  seed: number;
  loc?: number;
  scale?: number;
  k?: number;
  labels?: Value[];
  skew?: boolean;
  round?: number;
  missing?: number;
}
type Payload = { values: (Value | Num)[] } | { generate: GeneratorSpec; check: { length: number; first: Value; last: Value; sum: number } };

interface ExpectedColumn {
  kind: DriftKind;
  method: DriftMethod;
  statistic: Num;
  pValue?: Num;
  threshold: number;
  drifted: boolean;
  referenceSize: number;
  currentSize: number;
}
interface KsCase {
  name: string;
  reference: Payload;
  current: Payload;
  expected: { statistic: Num; pValue: Num; exact: boolean };
}
interface ColumnCase {
  name: string;
  array: "float64" | "int32" | "plain";
  reference: Payload;
  current: Payload;
  options?: ColumnDriftOptions;
  expected: ExpectedColumn;
}
interface DatasetCase {
  name: string;
  dtypes: Record<string, "float64" | "int32" | "string" | "bool">;
  reference: Record<string, Payload>;
  current: Record<string, Payload>;
  options?: DatasetDriftOptions;
  expected: {
    columns: ((ExpectedColumn | { empty: true }) & { column: string })[];
    driftedColumns: number;
    testedColumns: number;
    driftedShare: number;
    drifted: boolean;
  };
}
interface Fixture {
  scipy: string;
  kstwo: [number, number, Num, Num][];
  ks: KsCase[];
  columns: ColumnCase[];
  datasets: DatasetCase[];
}

const fixture = JSON.parse(readFileSync(join(__dirname, "..", "fixtures", "drift", "scipy.json"), "utf8")) as Fixture;

function num(v: Num): number {
  return v === "NaN" ? NaN : v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : v;
}

/**
 * Within 1e-6 of scipy, relative to its value; values within 1e-12 of each other pass too
 * (both near 0). Non-finite values must match exactly.
 */
function assertClose(actual: number | undefined, expected: Num | undefined, what: string): void {
  assert.notEqual(actual, undefined, `${what}: missing`);
  const a = actual as number;
  const e = num(expected as Num);
  const ok = Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)) || Math.abs(a - e) <= 1e-6 * Math.abs(e) || Math.abs(a - e) <= 1e-12;
  assert.ok(ok, `${what}: got ${a}, scipy ${fixture.scipy} gives ${e} (relative difference ${Math.abs(a - e) / Math.abs(e)})`);
}

// ---------------------------------------------------------------------------------------
// The generator that scripts/make-drift-fixtures.py shares: draw k of a sample is
// lowbias32(lowbias32(seed) + k) / 2^32, then only +, -, *, / and floor.

function lowbias32(value: number): number {
  let x = value;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

const DRAWS = { normal: 4, uniform: 1, skewed: 2, integer: 1, category: 1 } as const;

function generate(spec: GeneratorSpec): Value[] {
  const { dist, n, loc = 0, scale = 1, missing = 0 } = spec;
  const per = DRAWS[dist] + (missing > 0 ? 1 : 0);
  const base = lowbias32(spec.seed >>> 0);
  let counter = 0;
  const draw = (): number => lowbias32((base + counter++) >>> 0) / 4294967296;
  const out: Value[] = new Array<Value>(n);
  for (let i = 0; i < n; i++) {
    counter = i * per;
    const gone = missing > 0 && draw() < missing;
    let v: Value;
    if (dist === "normal") v = loc + scale * (draw() + draw() + draw() + draw() - 2);
    else if (dist === "uniform") v = loc + scale * draw();
    else if (dist === "skewed") v = loc + scale * (draw() * draw());
    else if (dist === "integer") v = loc + Math.floor(draw() * (spec.k as number));
    else {
      const u = draw();
      const labels = spec.labels as Value[];
      v = labels[Math.floor((spec.skew ? u * u : u) * labels.length)] as Value;
    }
    if (spec.round !== undefined && typeof v === "number") {
      const p = 10 ** spec.round;
      v = Math.floor(v * p + 0.5) / p;
    }
    out[i] = gone ? null : v;
  }
  return out;
}

const generated = new Map<Payload, Value[]>();

/** A sample's values: as stored, or generated and checked against what Python generated. */
function valuesOf(payload: Payload): Value[] {
  if ("values" in payload) return payload.values.map((v) => (v === "NaN" || v === "Infinity" || v === "-Infinity" ? num(v) : v));
  let values = generated.get(payload);
  if (values === undefined) {
    values = generate(payload.generate);
    const { check } = payload;
    assert.equal(values.length, check.length, "generated length");
    assert.equal(values[0], check.first, "generated first value: the generator differs from the Python one");
    assert.equal(values[values.length - 1], check.last, "generated last value");
    let sum = 0;
    for (const v of values) if (typeof v === "number") sum += v;
    assert.ok(Math.abs(sum - check.sum) <= 1e-9 * Math.max(1, Math.abs(check.sum)), `generated sum ${sum}, Python ${check.sum}`);
    generated.set(payload, values);
  }
  return values;
}

function numbers(payload: Payload): Float64Array {
  return Float64Array.from(valuesOf(payload), (v) => (typeof v === "number" ? v : NaN));
}

function sortedFinite(payload: Payload): Float64Array {
  return numbers(payload)
    .filter((v) => Number.isFinite(v))
    .sort();
}

function input(payload: Payload, array: ColumnCase["array"]): DriftValues {
  if (array === "float64") return numbers(payload);
  if (array === "int32") return Int32Array.from(valuesOf(payload) as number[]);
  return valuesOf(payload) as DriftValues;
}

function assertColumn(actual: ColumnDrift, expected: ExpectedColumn, what: string): void {
  assert.equal(actual.kind, expected.kind, `${what}: kind`);
  assert.equal(actual.method, expected.method, `${what}: method`);
  assertClose(actual.statistic, expected.statistic, `${what}: statistic`);
  if (expected.pValue === undefined) assert.equal(actual.pValue, undefined, `${what}: a distance has no p-value`);
  else assertClose(actual.pValue, expected.pValue, `${what}: p-value`);
  assert.equal(actual.threshold, expected.threshold, `${what}: threshold`);
  assert.equal(actual.drifted, expected.drifted, `${what}: drifted`);
  assert.equal(actual.referenceSize, expected.referenceSize, `${what}: reference size`);
  assert.equal(actual.currentSize, expected.currentSize, `${what}: current size`);
}

function assertDataError(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

// ---------------------------------------------------------------------------------------

describe("data drift against scipy", () => {
  it("reads a fixture made by scipy", () => {
    assert.match(fixture.scipy, /^\d+\.\d+/);
    assert.ok(fixture.kstwo.length >= 300 && fixture.ks.length >= 20 && fixture.columns.length >= 30, "too few cases");
  });

  describe("the Kolmogorov distribution for finite n (scipy.stats.kstwo.sf) and Smirnov's (scipy.special.smirnov)", () => {
    it(`agrees at ${fixture.kstwo.length} points, n from 1 to 2,000,000, across every branch of scipy's _kolmogn`, () => {
      for (const [n, x, kstwo, smirnov] of fixture.kstwo) {
        assertClose(kolmogorovSf(n, x), kstwo, `kstwo.sf(${x}, ${n})`);
        assertClose(smirnovSf(n, x), smirnov, `smirnov(${n}, ${x})`);
      }
    });
  });

  describe("the two-sample Kolmogorov-Smirnov test (scipy.stats.ks_2samp, method auto)", () => {
    for (const c of fixture.ks) {
      it(c.name, () => {
        const a = sortedFinite(c.reference);
        const b = sortedFinite(c.current);
        const result = ks2samp(a, b);
        assertClose(result.statistic, c.expected.statistic, "statistic");
        assertClose(result.pValue, c.expected.pValue, "p-value");
        assert.equal(result.exact, c.expected.exact, "exact or asymptotic, as scipy chooses");
        // The same through the public face, in either order of the arguments' sizes.
        const drift = columnDrift(numbers(c.reference), numbers(c.current), { method: "ks" });
        assertClose(drift.pValue, c.expected.pValue, "columnDrift p-value");
        assert.equal(drift.drifted, num(c.expected.pValue) <= 0.05, "drifted when p <= 0.05");
      });
    }
  });

  describe("one column, with Evidently's defaults (its formulas ported to the fixture script)", () => {
    for (const c of fixture.columns) {
      it(c.name, () => {
        const result = columnDrift(input(c.reference, c.array), input(c.current, c.array), c.options);
        assertColumn(result, c.expected, c.name);
      });
    }
  });

  describe("a data set: drift when at least half of the columns drift", () => {
    for (const c of fixture.datasets) {
      it(c.name, () => {
        const table = (side: Record<string, Payload>): ColumnarTable =>
          ColumnarTable.fromColumns(
            Object.fromEntries(
              Object.entries(side).map(([name, payload]) => {
                const dtype = c.dtypes[name];
                const values = dtype === "float64" ? numbers(payload) : dtype === "int32" ? Int32Array.from(valuesOf(payload) as number[]) : valuesOf(payload);
                return [name, values];
              }),
            ),
          );
        const reference = table(c.reference);
        const current = table(c.current);
        const report = datasetDrift(reference, current, c.options);
        assert.deepEqual(
          report.columns.map((r) => r.column),
          c.expected.columns.map((r) => r.column),
        );
        c.expected.columns.forEach((want, i) => {
          const got = report.columns[i] as (typeof report.columns)[number];
          if ("empty" in want) {
            assert.ok(got.empty !== undefined, `${want.column}: reported empty`);
            assert.ok(Number.isNaN(got.statistic) && !got.drifted, `${want.column}: an empty column has no statistic and does not drift`);
          } else {
            assertColumn(got, want, want.column);
          }
        });
        assert.equal(report.driftedColumns, c.expected.driftedColumns, "drifted columns");
        assert.equal(report.testedColumns, c.expected.testedColumns, "tested columns");
        assert.equal(report.driftedShare, c.expected.driftedShare, "drifted share");
        assert.equal(report.drifted, c.expected.drifted, "data set drifted");
        assert.equal(report.referenceRows, reference.rows);
        assert.equal(report.currentRows, current.rows);
      });
    }
  });
});

describe("data drift, beyond the fixture", () => {
  it("exports columnDrift, datasetDrift and driftTable, and nothing else", () => {
    assert.deepEqual(Object.keys(drift).sort(), ["columnDrift", "datasetDrift", "driftTable"]);
  });

  // How long it takes is bench material (machines are shared): here, that a million values a side work with every method.
  it("tests a million values a side, whatever the method (typed arrays, sorted once)", () => {
    const spec = (seed: number, loc: number): GeneratorSpec => ({ dist: "normal", n: 1_000_000, seed, loc });
    const a = Float64Array.from(generate(spec(901, 0)) as number[]);
    const b = Float64Array.from(generate(spec(902, 0.01)) as number[]);
    for (const method of ["auto", "ks", "psi", "jensenshannon"] as const) {
      const result = columnDrift(a, b, { method });
      assert.ok(Number.isFinite(result.statistic), `${method}: statistic ${result.statistic}`);
    }
  });

  it("says which column is missing from the current data", () => {
    const reference = ColumnarTable.fromColumns({ x: [1, 2, 3], city: ["a", "b", "a"] });
    const current = ColumnarTable.fromColumns({ x: [1, 2, 4] });
    assertDataError(() => datasetDrift(reference, current), /column "city" is missing from the current data/);
    assertDataError(() => datasetDrift(reference, current, { columns: ["y"] }), /column "y" is not in the reference/);
    assertDataError(() => datasetDrift(reference, current, { columns: ["x"], methods: { city: "psi" } }), /names column "city"/);
  });

  it("reports a column with nothing but missing values, rather than failing", () => {
    const drift = columnDrift([1, 2, 3], [null, NaN, Infinity]);
    assert.equal(drift.empty, "current");
    assert.equal(drift.drifted, false);
    assert.ok(Number.isNaN(drift.statistic));
    const both = columnDrift([], []);
    assert.equal(both.empty, "both");
  });

  it("drops missing values before testing, as Evidently does", () => {
    const clean = columnDrift([1, 2, 3, 4, 5, 6, 7], [3, 4, 5, 6, 7, 8, 9]);
    const holey = columnDrift([1, null, 2, 3, NaN, 4, 5, 6, 7, -Infinity], [3, 4, 5, Infinity, 6, 7, 8, 9, null]);
    assert.deepEqual(holey, clean);
  });

  it("refuses bad options, quoting them", () => {
    assertDataError(() => columnDrift([1, 2], [1, 2], { method: "anova" as DriftMethod }), /invalid method "anova"/);
    assertDataError(() => columnDrift([1, 2], [1, 2], { threshold: NaN }), /invalid threshold NaN/);
    assertDataError(() => columnDrift([1, 2], [1, 2], { kind: "ordinal" as DriftKind }), /invalid kind "ordinal"/);
    assertDataError(() => columnDrift(["a", "b"], ["a", "c"], { method: "ks" }), /method "ks" tests numeric columns/);
    assertDataError(() => columnDrift(["a", "b"], ["a", "c"], { kind: "numeric" }), /kind "numeric" needs numbers, but the reference holds text/);
    assertDataError(() => columnDrift([1, { x: 1 } as unknown as number], [1]), /holds \[object Object\] at index 1/);
    const t = ColumnarTable.fromColumns({ x: [1, 2, 3] });
    assertDataError(() => datasetDrift(t, t, { share: 2 }), /invalid share 2/);
  });

  it("counts booleans as 1 and 0, as pandas does", () => {
    const asBooleans = columnDrift([true, false, true, true], [false, false, true, false]);
    const asBits = columnDrift([true, false, true, true], [0, 0, 1, 0], { kind: "categorical" });
    assert.equal(asBooleans.method, "z");
    assert.equal(asBits.pValue, asBooleans.pValue);
  });

  it("leaves timestamp columns out by default, as Evidently leaves datetimes out", () => {
    const day = Date.UTC(2026, 0, 1);
    const reference = ColumnarTable.fromColumns({ at: [new Date(day), new Date(day + 1)], x: [1, 2] });
    const report = datasetDrift(reference, reference);
    assert.deepEqual(
      report.columns.map((c) => c.column),
      ["x"],
    );
  });
});
