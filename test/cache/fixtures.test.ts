import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import type * as dfd from "danfojs-node";
import { CODEC_VERSION, decode, encode } from "../../src/cache";
import { codecFixtureValue } from "../fixtures/cache/value";

const fixture = (version: number): Buffer => readFileSync(join(__dirname, "..", "fixtures", "cache", `codec-v${version}.bin`));

describe("frozen cache formats", () => {
  it("still decodes the artifact payload frozen at the current codec version", async () => {
    const value = (await decode(fixture(CODEC_VERSION))) as Record<string, unknown>;
    const expected = await codecFixtureValue();
    for (const key of ["json", "when", "map", "set", "typed", "range", "nums", "dict", "strings", "loneSurrogate", "dictMissing"]) assert.deepEqual(value[key], expected[key], key);
    const special = value.special as Record<string, unknown>;
    assert.ok(Number.isNaN(special.nan) && Object.is(special.negZero, -0) && special.big === 123n && "u" in special);
    const frame = value.frame as dfd.DataFrame;
    assert.deepEqual([frame.columns, frame.index, frame.dtypes], [["s", "v"], ["i", "j", "k"], ["string", "float32"]]);
    const stringFrame = value.stringFrame as dfd.DataFrame;
    const expectedStringFrame = expected.stringFrame as dfd.DataFrame;
    assert.deepEqual([stringFrame.columns, stringFrame.index, stringFrame.dtypes], [expectedStringFrame.columns, expectedStringFrame.index, expectedStringFrame.dtypes]);
    assert.deepEqual(stringFrame.values, expectedStringFrame.values);
  });

  it("encodes the fixture value to the very same bytes: a format change must bump CODEC_VERSION", async () => {
    assert.ok((await encode(await codecFixtureValue())).equals(fixture(CODEC_VERSION)), `the encoding changed: bump CODEC_VERSION in src/cache/codec.ts and run scripts/make-cache-fixture.ts`);
  });
});
