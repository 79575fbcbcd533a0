import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import * as dfd from "danfojs-node";
import { UnserializableError, decode, encode, registerSerializer } from "../../src/cache";
import { initBackend } from "../../src/ml";

async function roundTrip<T>(value: T): Promise<T> {
  return (await decode(await encode(value))) as T;
}

class Vocabulary {
  constructor(readonly words: string[]) {}
  indexOf(w: string): number {
    return this.words.indexOf(w);
  }
}

describe("the cache codec", () => {
  it("round-trips JSON-able values, including keys named $", async () => {
    const value = { a: 1, b: "two", c: [true, false, null], d: { nested: { deep: [1, 2, { x: "y" }] } }, $: "dollar", e: { $: "ta", t: "x" } };
    assert.deepEqual(await roundTrip(value), value);
  });

  it("round-trips numbers JSON cannot hold, undefined and bigint", async () => {
    const out = await roundTrip({ nan: Number.NaN, inf: Number.POSITIVE_INFINITY, ninf: Number.NEGATIVE_INFINITY, negZero: -0, u: undefined, big: 12345678901234567890n });
    assert.ok(Number.isNaN(out.nan));
    assert.equal(out.inf, Number.POSITIVE_INFINITY);
    assert.equal(out.ninf, Number.NEGATIVE_INFINITY);
    assert.ok(Object.is(out.negZero, -0));
    assert.ok("u" in out && out.u === undefined);
    assert.equal(out.big, 12345678901234567890n);
  });

  it("round-trips Date, Map and Set", async () => {
    const value = { when: new Date("2026-11-23T10:00:00.000Z"), m: new Map<unknown, unknown>([["a", 1], [2, new Set([3, 4])]]), s: new Set(["x", "y"]) };
    const out = await roundTrip(value);
    assert.ok(out.when instanceof Date);
    assert.equal(out.when.toISOString(), "2026-11-23T10:00:00.000Z");
    assert.deepEqual(out.m, value.m);
    assert.deepEqual(out.s, value.s);
  });

  it("round-trips every typed array type and Buffers, as raw bytes", async () => {
    const arrays = [
      new Int8Array([-1, 2]),
      new Uint8Array([1, 255]),
      new Uint8ClampedArray([0, 255]),
      new Int16Array([-300, 300]),
      new Uint16Array([65535]),
      new Int32Array([-1e9, 1e9]),
      new Uint32Array([4e9]),
      new Float32Array([1.5, -2.25]),
      new Float64Array([Math.PI, Number.NaN]),
      new BigInt64Array([-5n]),
      new BigUint64Array([5n]),
    ];
    const out = await roundTrip({ arrays, buf: Buffer.from("hello") });
    out.arrays.forEach((a, i) => {
      assert.equal(a.constructor, arrays[i]?.constructor);
      assert.deepEqual(a, arrays[i]);
    });
    assert.ok(Buffer.isBuffer(out.buf));
    assert.equal(out.buf.toString(), "hello");
    const big = new Float64Array(1_000_000).map((_, i) => i / 3);
    const bytes = await encode(big);
    assert.ok(bytes.byteLength < 8_000_100, "a typed array is stored as its bytes, not as text");
    assert.deepEqual(await decode(bytes), big);
  });

  it("round-trips a danfo DataFrame with its dtypes, index and missing values", async () => {
    const df = new dfd.DataFrame(
      { name: ["a", "b", null], x: [1.5, Number.NaN, 3], n: [1, 2, 3], flag: [true, false, true] },
      { index: ["r1", "r2", "r3"] },
    );
    const out = await roundTrip(df);
    assert.deepEqual(out.columns, df.columns);
    assert.deepEqual(out.dtypes, df.dtypes);
    assert.deepEqual(out.index, df.index);
    assert.deepEqual(out.values, df.values);
    // The decoded frame works like any other: danfo operations on it give the same results.
    assert.deepEqual(out.shape, df.shape);
    assert.deepEqual(out.head(2).values, df.head(2).values);
    assert.deepEqual(out.column("x").values, df.column("x").values);
    assert.deepEqual(out.dropNa({ axis: 1 }).values, df.dropNa({ axis: 1 }).values);
    assert.deepEqual(out.loc({ rows: ['"r3"'] }).values, df.loc({ rows: ['"r3"'] }).values);
    assert.deepEqual(dfd.toJSON(out), dfd.toJSON(df));
    const big = new dfd.DataFrame({ g: Array.from({ length: 1000 }, (_, i) => ["a", "b", "c"][i % 3]), v: Array.from({ length: 1000 }, (_, i) => i) });
    const bigBack = await roundTrip(big);
    assert.deepEqual(bigBack.groupby(["g"]).col(["v"]).sum().values, big.groupby(["g"]).col(["v"]).sum().values);
    bigBack.addColumn("w", bigBack.column("v").values.map((v) => Number(v) * 2), { inplace: true });
    assert.deepEqual(bigBack.shape, [1000, 3]);
    // A frame returned by a danfo method (another class) is handled too.
    const filtered = df.dropNa({ axis: 1 });
    const back = await roundTrip(filtered);
    assert.deepEqual(back.index, filtered.index);
    assert.deepEqual(back.values, filtered.values);
  });

  it("round-trips a danfo Series", async () => {
    const s = new dfd.Series([3, 1, 2], { index: ["a", "b", "c"] });
    const out = await roundTrip(s);
    assert.deepEqual(out.values, s.values);
    assert.deepEqual(out.index, s.index);
    assert.equal(out.dtype, s.dtype);
  });

  it("round-trips tensors with their shape and dtype", async () => {
    await initBackend();
    const t = tf.tensor([[1, 2, 3], [4, 5, 6]], [2, 3], "int32");
    const f = tf.tensor([0.5, 1.5], [2], "float32");
    const out = await roundTrip({ t, f });
    assert.deepEqual(out.t.shape, [2, 3]);
    assert.equal(out.t.dtype, "int32");
    assert.deepEqual(out.t.arraySync(), [[1, 2, 3], [4, 5, 6]]);
    assert.equal(out.f.dtype, "float32");
    assert.deepEqual(Array.from(out.f.dataSync()), [0.5, 1.5]);
    tf.dispose([t, f, out.t, out.f]);
  });

  it("round-trips a tf.LayersModel into a working model with the same predictions", async () => {
    await initBackend();
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 4, activation: "relu" }), tf.layers.dense({ units: 2, activation: "softmax" })] });
    const x = tf.tensor2d([[1, 2, 3], [0, -1, 0.5]]);
    const before = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    const out = await roundTrip(model);
    assert.ok(out instanceof tf.LayersModel);
    const after = (out.predict(x) as tf.Tensor).arraySync() as number[][];
    assert.deepEqual(after, before);
    model.dispose();
    out.dispose();
    x.dispose();
  });

  it("uses a registered serializer for a user's class", async () => {
    registerSerializer<Vocabulary>({
      name: "test.Vocabulary",
      version: 1,
      test: (v) => v instanceof Vocabulary,
      encode: (v) => ({ words: v.words }),
      decode: (t) => new Vocabulary((t as { words: string[] }).words),
    });
    const out = await roundTrip({ vocab: new Vocabulary(["a", "b"]) });
    assert.ok(out.vocab instanceof Vocabulary);
    assert.equal(out.vocab.indexOf("b"), 1);
    assert.throws(
      () => registerSerializer({ name: "test.Vocabulary", version: 2, test: () => false, encode: (v) => v, decode: (t) => t }),
      /already registered; pass \{ replace: true \}/,
    );
  });

  it("names the type and where it sits when nothing can serialize a value", async () => {
    class Opaque {}
    await assert.rejects(
      encode({ model: { parts: [1, new Opaque()] } }),
      (e: unknown) => e instanceof UnserializableError && e.typeName === "an Opaque" && e.path === "model.parts[1]" && /an Opaque at model\.parts\[1\] has no serializer/.test(e.message),
    );
    await assert.rejects(encode({ f: () => 1 }), /function f at f has no serializer/);
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    await assert.rejects(encode(loop), /circular/);
  });
});
