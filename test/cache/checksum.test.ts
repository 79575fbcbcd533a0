import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { CorruptArtifactError, DiskStore } from "../../src/cache";
import { Xxh32, sha256, xxh32 } from "../../src/util";
import { tempDir } from "../helpers/tmp";

describe("the payload checksum a disk hit verifies", () => {
  it("is XXH32 as the reference implementation computes it (seed 0), on aligned and unaligned bytes", () => {
    // Reference values: xxHash's own test vectors and python-xxhash's documentation.
    const vectors: [string, string][] = [
      ["", "02cc5d05"],
      ["a", "550d7456"],
      ["abc", "32d153ff"],
      ["Nobody inspects the spammish repetition", "e2293b2f"],
    ];
    for (const [text, hex] of vectors) {
      assert.equal(xxh32(Buffer.from(text)), hex, JSON.stringify(text));
      assert.equal(xxh32(Buffer.from(`.${text}`).subarray(1)), hex, `${JSON.stringify(text)} at an odd offset`);
    }
  });

  it("catches one flipped payload byte, and still verifies an artifact written before it existed by its sha256", () => {
    const store = new DiskStore(tempDir());
    const payload = Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 251));
    const key = sha256("checksum-test");
    const header = DiskStore.header(key, payload, { step: "s", runId: null });
    assert.match(header.verify ?? "", /^xxh32:[0-9a-f]{8}$/);
    store.write(header, payload);
    assert.deepEqual(store.read(key)?.payload, payload);
    const file = store.fileOf(key);
    const bytes = readFileSync(file);
    bytes[bytes.length - 100] = (bytes[bytes.length - 100] as number) ^ 1;
    writeFileSync(file, bytes);
    assert.throws(() => store.read(key), CorruptArtifactError);

    const { verify: _verify, ...older } = DiskStore.header(key, payload, { step: "s", runId: null });
    store.write(older, payload);
    assert.deepEqual(store.read(key)?.payload, payload, "an artifact without `verify` is checked by its sha256");
    const again = readFileSync(file);
    again[again.length - 1] = (again[again.length - 1] as number) ^ 1;
    writeFileSync(file, again);
    assert.throws(() => store.read(key), CorruptArtifactError);
  });
});

describe("Xxh32 piece by piece", () => {
  it("gives what xxh32 of the whole gives, for pieces of 16-byte multiples and any last piece", () => {
    const bytes = Buffer.from(Array.from({ length: 1_000_003 }, (_, i) => (i * 131) % 256));
    const whole = xxh32(bytes);
    for (const piece of [16, 4096, 262_144]) {
      const h = new Xxh32();
      for (let at = 0; at < bytes.length; at += piece) h.update(bytes.subarray(at, Math.min(bytes.length, at + piece)));
      assert.equal(h.digest(), whole, `pieces of ${piece}`);
    }
    assert.throws(() => new Xxh32().update(bytes.subarray(0, 5)).update(bytes.subarray(5, 21)), /only the last piece/);
  });

  it("verifies artifacts bigger than one read piece, and catches a flipped byte in a later piece", () => {
    const store = new DiskStore(tempDir());
    const payload = Buffer.from(Array.from({ length: 3_000_001 }, (_, i) => (i * 7) % 256));
    const key = sha256("big-artifact");
    store.write(DiskStore.header(key, payload, { step: "s", runId: null }), payload);
    assert.ok(store.read(key)?.payload.equals(payload));
    const file = store.fileOf(key);
    const bytes = readFileSync(file);
    bytes[2_000_000] = (bytes[2_000_000] as number) ^ 0x10;
    writeFileSync(file, bytes);
    assert.throws(() => store.read(key), CorruptArtifactError);
  });
});
