import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as dfd from "danfojs-node";
import { decode, encode } from "../../src/cache";
import { sha256 } from "../../src/util";

async function roundTrip<T>(value: T): Promise<T> {
  return (await decode(await encode(value))) as T;
}

/** The JSON skeleton of a payload: where the codec says what it stored, and how. */
function skeletonOf(payload: Buffer): Record<string, unknown> {
  return JSON.parse(payload.toString("utf8", 4, 4 + payload.readUInt32LE(0))) as Record<string, unknown>;
}

/** `n` distinct strings. */
const distinct = (n: number): string[] => Array.from({ length: n }, (_, i) => `row-${i}`);

describe("the cache codec, on arrays of strings", () => {
  it("round-trips distinct strings exactly: unicode, surrogate pairs, empty strings, null and undefined", async () => {
    const value = [...distinct(20), "", "é", "名前", "😀 and 👩‍👩‍👧", "\u0000", "a\nb\t\"c\"\\", null, undefined, "", "x".repeat(40_000), "last"];
    const back = await roundTrip(value);
    assert.deepEqual(back, value);
    // Missing elements come back as the values they were, not as holes.
    assert.ok(back.length === value.length && 27 in back && back[26] === null && back[27] === undefined);
  });

  it("stores distinct strings as bytes beside the skeleton, not in it", async () => {
    const value = distinct(10_000);
    const payload = await encode(value);
    assert.equal(skeletonOf(payload).$, "strs");
    assert.ok(payload.readUInt32LE(0) < 200, "the skeleton does not grow with the array");
  });

  it("keeps lone surrogates, which UTF-8 cannot carry, exact", async () => {
    const value = [...distinct(20), "\uD800", "tail \uDFFF", "😀".slice(0, 1), "😀", null];
    const payload = await encode(value);
    assert.equal(skeletonOf(payload).e, "utf16le");
    assert.deepEqual(await decode(payload), value);
    assert.equal(skeletonOf(await encode(distinct(20))).e, "utf8", "well-formed strings stay UTF-8");
  });

  it("stores repeated strings as a dictionary, nulls and undefined included", async () => {
    const value = Array.from({ length: 1000 }, (_, i) => [`category ${i % 3} 🏷️`, null, "", undefined][i % 4]);
    const payload = await encode(value);
    assert.equal(skeletonOf(payload).$, "dict");
    const back = (await decode(payload)) as typeof value;
    assert.deepEqual(back, value);
    assert.ok(998 in back && back[999] === undefined);
  });

  it("gives the dictionary up when more than half of the elements, or more than 65,536 values, are distinct", async () => {
    const halfDistinct = Array.from({ length: 40 }, (_, i) => `v${i % 21}`);
    assert.equal(skeletonOf(await encode(halfDistinct)).$, "strs");
    const manyValues = Array.from({ length: 200_000 }, (_, i) => `v${i % 70_000}`);
    const payload = await encode(manyValues);
    assert.equal(skeletonOf(payload).$, "strs");
    assert.deepEqual(await decode(payload), manyValues);
    const fewValues = Array.from({ length: 200_000 }, (_, i) => `v${i % 60_000}`);
    assert.equal(skeletonOf(await encode(fewValues)).$, "dict");
    assert.deepEqual(await roundTrip(fewValues), fewValues);
  });

  it("encodes equal arrays to equal bytes, however their strings were built", async () => {
    const built = Array.from({ length: 5000 }, (_, i) => `name ${i} ${"é".repeat(i % 5)}${i % 7 === 0 ? "😀" : ""}`);
    const parsed = JSON.parse(JSON.stringify(built)) as string[];
    assert.equal(sha256(await encode(built)), sha256(await encode(parsed)));
    assert.deepEqual(await roundTrip(built), built);
    const repeated = built.map((s) => s.slice(0, 6));
    assert.equal(sha256(await encode(repeated)), sha256(await encode(JSON.parse(JSON.stringify(repeated)) as string[])));
    assert.notEqual(sha256(await encode(built)), sha256(await encode([...built.slice(0, -1), "other"])));
  });

  it("leaves arrays of strings mixed with other values to the generic path, exactly", async () => {
    const value = [...distinct(20), 1, Number.NaN, { s: "x" }, ["y"], true, null, undefined];
    const payload = await encode(value);
    assert.ok(Array.isArray(skeletonOf(payload)), "a mixed array stays a JSON array");
    const back = (await decode(payload)) as unknown[];
    assert.deepEqual(back.slice(0, 21), value.slice(0, 21));
    assert.ok(Number.isNaN(back[21]));
    assert.deepEqual(back.slice(22), value.slice(22));
    const onlyMissing = Array.from({ length: 20 }, (_, i) => (i % 2 ? null : undefined));
    assert.deepEqual(await roundTrip(onlyMissing), onlyMissing);
  });

  it("round-trips a danfo DataFrame whose string columns are distinct, repeated and have missing values", async () => {
    const n = 5000;
    const df = new dfd.DataFrame({
      id: Array.from({ length: n }, (_, i) => (i % 100 === 7 ? null : `id-${i}-ü`)),
      city: Array.from({ length: n }, (_, i) => ["Zürich", "東京", "Lagos"][i % 3]),
      x: Array.from({ length: n }, (_, i) => i / 4),
    });
    const out = await roundTrip(df);
    assert.deepEqual([out.columns, out.dtypes, out.index], [df.columns, df.dtypes, df.index]);
    assert.deepEqual(out.values, df.values);
    assert.deepEqual(out.column("city").unique().values, ["Zürich", "東京", "Lagos"]);
  });
});
