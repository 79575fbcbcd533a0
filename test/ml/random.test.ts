import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { seededRandom, shuffled } from "../../src/ml";

describe("seeded randomness", () => {
  it("gives the same sequence for the same seed and another for another seed", () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const c = seededRandom(8);
    const xs = Array.from({ length: 5 }, () => a());
    assert.deepEqual(xs, Array.from({ length: 5 }, () => b()));
    assert.notDeepEqual(xs, Array.from({ length: 5 }, () => c()));
    for (const x of xs) assert.ok(x >= 0 && x < 1);
  });

  it("shuffles deterministically without losing or duplicating items", () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    const s = shuffled(items, 42);
    assert.deepEqual(s, shuffled(items, 42));
    assert.notDeepEqual(s, items);
    assert.deepEqual([...s].sort((x, y) => x - y), items);
  });

  it("refuses a seed that is not a finite number", () => {
    assert.throws(() => seededRandom(Number.NaN), /invalid seed: NaN/);
  });
});
