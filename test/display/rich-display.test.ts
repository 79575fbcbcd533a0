import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadDataset } from "../../src/data";
import { MIME_BUNDLE, richBundle } from "../../src/display";
import type { MimeBundle } from "../../src/display";
import { adoptColumns, danfojs } from "../../src/util";
import { bundleOf, column, range, readTable } from "../helpers/rich-display";

const { DataFrame } = danfojs();

describe("rich display of danfo frames and series", () => {
  const EVIL = "<b>x</b>&";
  const hundred = () => new DataFrame({ [EVIL]: Array.from({ length: 100 }, (_, i) => i * 1.5), name: Array.from({ length: 100 }, (_, i) => `row ${i}`) });

  it("shows a 100-row frame as pandas does: rows 0-9, a gap, rows 90-99, and its shape", () => {
    const bundle = bundleOf(hundred());
    const table = readTable(bundle["text/html"]);
    assert.deepEqual(table.header, ["", EVIL, "name"]);
    assert.deepEqual(column(table.rows), [...range(0, 10), "…", ...range(90, 100)]);
    assert.deepEqual(table.rows.at(-1), ["99", "148.5", "row 99"]);
    assert.equal(table.footer, "100 rows × 2 columns");
    const text = bundle["text/plain"].split("\n");
    assert.ok(text.some((l) => /^ ?0\s+0\s+row 0$/.test(l)), "row 0 in the text");
    assert.ok(text.some((l) => /^99\s+148\.5\s+row 99$/.test(l)), "row 99 in the text");
    assert.ok(!text.some((l) => /^50\s/.test(l)), "row 50 is left out");
    assert.equal(text.at(-1), "100 rows × 2 columns");
  });

  it("escapes every string: a column named <b>x</b>& is text", () => {
    const html = bundleOf(hundred())["text/html"] as string;
    assert.ok(html.includes("<th>&#60;b&#62;x&#60;/b&#62;&#38;</th>"));
    assert.ok(!html.includes("<b>"), "no markup from the data");
    const values = bundleOf(new DataFrame({ a: ["<script>alert(1)</script>"] }))["text/html"] as string;
    assert.ok(!values.includes("<script"), "no script element from a value");
  });

  it("shows a frame of vega-datasets whole when it is short, with its columns in order", () => {
    const cars = loadDataset("cars");
    const small = cars.head(5);
    const table = readTable(bundleOf(small)["text/html"]);
    assert.deepEqual(table.header, ["", ...small.columns]);
    assert.deepEqual(column(table.rows), range(0, 5));
    assert.equal(table.footer, `5 rows × ${cars.columns.length} columns`);
    assert.equal(readTable(bundleOf(cars)["text/html"]).footer, `${cars.shape[0]} rows × ${cars.columns.length} columns`);
  });

  it("formats numbers compactly and shows NaN and null as such", () => {
    const df = new DataFrame({ x: [0.123456789, NaN, 1234567, 1e-9], s: ["a", null, "c", "d"] });
    const rows = readTable(bundleOf(df)["text/html"]).rows;
    assert.deepEqual(rows.map((r) => r[1]), ["0.123457", "NaN", "1234567", "1e-9"]);
    assert.equal(rows[1]?.[2], "null");
  });

  it("reads a low-memory frame from its rows, and cuts wide frames to their first and last 10 columns", () => {
    const columns = Object.fromEntries(Array.from({ length: 30 }, (_, j) => [`c${j}`, Array.from({ length: 25 }, (_, i) => i * 100 + j)]));
    const df = new DataFrame(columns, { config: { lowMemoryMode: true } });
    const table = readTable(bundleOf(df)["text/html"]);
    assert.deepEqual(table.header, ["", ...range(0, 10).map((j) => `c${j}`), "…", ...range(20, 30).map((j) => `c${j}`)]);
    assert.deepEqual(table.rows.at(-1), ["24", ...range(0, 10).map((j) => String(2400 + Number(j))), "…", ...range(20, 30).map((j) => String(2400 + Number(j)))]);
    assert.equal(table.footer, "25 rows × 30 columns");
  });

  it("reads a frame adopted from the cache by its columns, without building its rows", () => {
    const df = new DataFrame([[0, "a"]], { columns: ["n", "s"], index: [0] });
    const columns = [Array.from({ length: 50 }, (_, i) => i), Array.from({ length: 50 }, (_, i) => `s${i}`)];
    const adopted = adoptColumns(df, columns, range(0, 50).map(Number), () => {
      throw new Error("the rows were built");
    });
    assert.ok(adopted);
    const table = readTable(bundleOf(df)["text/html"]);
    assert.deepEqual(table.rows.at(-1), ["49", "49", "s49"]);
    assert.equal(table.footer, "50 rows × 2 columns");
  });

  it("shows a series as one column under its name", () => {
    const series = hundred().column("name");
    const table = readTable(bundleOf(series)["text/html"]);
    assert.deepEqual(table.header, ["", "name"]);
    assert.deepEqual(column(table.rows), [...range(0, 10), "…", ...range(90, 100)]);
    assert.match(table.footer ?? "", /^100 rows, dtype string$/);
  });
});

describe("the MIME_BUNDLE hook", () => {
  class Vocabulary {
    constructor(readonly words: string[]) {}
    [MIME_BUNDLE](): MimeBundle {
      return { "text/plain": `${this.words.length} words`, "text/html": `<b>${this.words.length}</b> words` };
    }
  }

  it("is a symbol of the global registry, so that every copy of pipelab finds it", () => {
    assert.equal(MIME_BUNDLE, Symbol.for("pipelab.mimeBundle"));
  });

  it("gives a value its own bundle, before any built-in form", () => {
    assert.deepEqual(richBundle(new Vocabulary(["a", "b"])), { "text/plain": "2 words", "text/html": "<b>2</b> words" });
    const plan = Object.assign([{ step: "load", state: "fresh", reasons: [] }], { [MIME_BUNDLE]: () => ({ "text/plain": "mine" }) });
    assert.deepEqual(richBundle(plan), { "text/plain": "mine" });
  });

  it("lets a value decline, and shows a broken hook's value as text, saying why once", () => {
    assert.equal(richBundle({ [MIME_BUNDLE]: () => undefined }), undefined);
    const said: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string) => (said.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      class Broken {
        [MIME_BUNDLE](): unknown {
          return { html: 42 };
        }
      }
      assert.equal(richBundle(new Broken()), undefined);
      assert.equal(richBundle(new Broken()), undefined);
      class Throws {
        [MIME_BUNDLE](): never {
          throw new Error("boom");
        }
      }
      assert.equal(richBundle(new Throws()), undefined);
    } finally {
      process.stderr.write = write;
    }
    assert.equal(said.length, 2, said.join(""));
    assert.match(said[0] ?? "", /\[MIME_BUNDLE\]\(\) method of Broken returned an object with keys "html", not a MIME bundle/);
    assert.match(said[1] ?? "", /\[MIME_BUNDLE\]\(\) method of Throws threw: boom/);
  });
});

describe("values without a rich form", () => {
  it("leaves primitives, plain arrays and plain objects to util.inspect", () => {
    const plain: unknown[] = [undefined, null, 1, "text", true, 10n, Symbol("s"), () => 1, [], [1, 2, 3], [[1, 2], [3, 4]], {}, { a: 1 }, new Map([["a", 1]]), new Date(0)];
    for (const value of plain) assert.equal(richBundle(value), undefined, String(value));
  });

  it("leaves objects that only resemble tensors, reports, runs and plans", () => {
    const lookalikes: unknown[] = [
      { shape: [2, 2], dtype: "float32", dataSync: () => [1, 2, 3, 4] },
      { kind: "pipelab.report", task: "regression", n: 3 },
      { kind: "pipelab.report", task: "classification", n: 3, metrics: { accuracy: 1 }, curves: {}, confusion: { labels: ["a"], matrix: [[1, 2]] } },
      [{ id: 1, experiment: "e", name: null, status: "done", startedAt: "2026-01-01" }],
      [{ id: 1, experiment: "e", name: null, status: "finished", startedAt: "2026-01-01" }, { id: 2 }],
      [{ step: "load", state: "unknown", reasons: [] }],
      [{ step: "load", state: "fresh", reasons: "none" }],
      [{ step: "load", state: "fresh", reasons: [] }, 3],
    ];
    for (const value of lookalikes) assert.equal(richBundle(value), undefined, JSON.stringify(value));
  });
});
