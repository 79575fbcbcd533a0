import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { bundleOf, column, range, readTable } from "../helpers/rich-display";

describe("rich display of tensors", () => {
  it("shows a million-value vector by its first and last 10, reading only those", () => {
    const t = tf.range(0, 1e6);
    // Only slices are read: reading the whole tensor would fail the test.
    t.dataSync = () => {
      throw new Error("the whole tensor was read");
    };
    const bundle = bundleOf(t);
    const table = readTable(bundle["text/html"]);
    assert.equal(table.caption, "Tensor float32 [1000000]");
    assert.deepEqual(column(table.rows), [...range(0, 10), "…", ...range(999_990, 1_000_000)]);
    assert.deepEqual(table.rows.at(-1), ["999999", "999999"]);
    assert.ok((bundle["text/html"] as string).length < 5000, "the HTML stays small");
    t.dispose();
  });

  it("shows a wide matrix by its first and last rows and columns", () => {
    const t = tf.range(0, 1500).reshape([30, 50]);
    const table = readTable(bundleOf(t)["text/html"]);
    assert.equal(table.caption, "Tensor float32 [30, 50]");
    assert.deepEqual(table.header, ["", ...range(0, 10), "…", ...range(40, 50)]);
    assert.deepEqual(table.rows[0], ["0", ...range(0, 10), "…", ...range(40, 50)]);
    assert.deepEqual(table.rows.at(-1), ["29", ...range(1450, 1460), "…", ...range(1490, 1500)]);
    assert.equal(table.rows[10]?.every((c) => c === "…"), true);
    t.dispose();
  });

  it("shows booleans as such and escapes string tensors", () => {
    const flags = tf.tensor1d([true, false], "bool");
    assert.deepEqual(readTable(bundleOf(flags)["text/html"]).rows, [["0", "true"], ["1", "false"]]);
    const words = tf.tensor1d(["<i>a</i>", "b"], "string");
    assert.ok((bundleOf(words)["text/html"] as string).includes("&#60;i&#62;a&#60;/i&#62;"));
    flags.dispose();
    words.dispose();
  });

  it("previews other ranks as text: shape, dtype and a few values", () => {
    const cube = tf.range(0, 24).reshape([2, 3, 4]);
    const small = bundleOf(cube);
    assert.equal(small["text/html"], undefined);
    assert.match(small["text/plain"], /^Tensor float32 \[2, 3, 4\]\n\[\[\[0 *, 1 *, 2 *, 3 *\],/);
    const big = tf.zeros([200, 300, 4]);
    assert.equal(bundleOf(big)["text/plain"], "Tensor float32 [200, 300, 4]\n[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, …] (the first 10 of 240000 values)");
    assert.equal(bundleOf(tf.scalar(3.5))["text/plain"], "Tensor float32 scalar\n3.5");
    cube.dispose();
    big.dispose();
    assert.equal(bundleOf(cube)["text/plain"], "Tensor float32 [2, 3, 4] (disposed)");
  });
});
