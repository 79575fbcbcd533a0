import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CorruptArtifactError, DiskStore, StepCache } from "../../src/cache";
import { sha256 } from "../../src/util";
import { tempDir } from "../helpers/tmp";

const key = (s: string): string => sha256(s);

describe("the disk tier", () => {
  const dir = tempDir();

  it("writes an artifact and reads it back with its checksum verified", () => {
    const store = new DiskStore(dir);
    const header = DiskStore.header(key("a"), Buffer.from("payload"), { step: "load", runId: 3 });
    store.write(header, Buffer.from("payload"));
    assert.equal(header.checksum, sha256(Buffer.from("payload")));
    const read = store.read(key("a"));
    assert.equal(read?.payload.toString(), "payload");
    assert.equal(read?.header.step, "load");
    assert.equal(read?.header.runId, 3);
    assert.equal(store.read(key("none")), undefined);
  });

  it("detects a corrupted artifact", () => {
    const store = new DiskStore(dir);
    store.write(DiskStore.header(key("b"), Buffer.alloc(1000, 7), { step: "s", runId: null }), Buffer.alloc(1000, 7));
    const file = store.fileOf(key("b"));
    const bytes = readFileSync(file);
    bytes[bytes.length - 10] = 8;
    writeFileSync(file, bytes);
    assert.throws(() => store.read(key("b")), (e: unknown) => e instanceof CorruptArtifactError && /checksum mismatch/.test(e.message));
  });

  it("detects a truncated artifact and a file that is not an artifact", () => {
    const store = new DiskStore(dir);
    store.write(DiskStore.header(key("c"), Buffer.alloc(1000, 1), { step: "s", runId: null }), Buffer.alloc(1000, 1));
    const file = store.fileOf(key("c"));
    writeFileSync(file, readFileSync(file).subarray(0, 500));
    assert.throws(() => store.read(key("c")), /truncated/);
    writeFileSync(file, "hello");
    assert.throws(() => store.read(key("c")), /not a pipelab artifact/);
  });

  it("a corrupted artifact is a miss with a warning, and is deleted", async () => {
    const cache = new StepCache({ dir: join(dir, "tiered") });
    await cache.put(key("d"), { rows: [1, 2, 3] }, { step: "clean", runId: 1, mode: "disk" });
    const file = new DiskStore(join(dir, "tiered")).fileOf(key("d"));
    const bytes = readFileSync(file);
    bytes[bytes.length - 2] = (bytes[bytes.length - 2] ?? 0) ^ 0xff;
    writeFileSync(file, bytes);
    const fresh = new StepCache({ dir: join(dir, "tiered") }); // a restarted kernel: nothing in memory
    const warnings: string[] = [];
    assert.equal(await fresh.get(key("d"), (m) => warnings.push(m)), undefined);
    assert.match(warnings[0] ?? "", /corrupted \(checksum mismatch\); it was deleted and the step recomputes/);
    assert.equal(fresh.where(key("d")), undefined);
  });

  it("keeps the metric points a step logged with its output, for a restarted process", async () => {
    const cacheDir = join(dir, "logged");
    const logged = Array.from({ length: 5000 }, (_, i) => ({ key: "loss", value: 1 / (i + 1), step: i }));
    await new StepCache({ dir: cacheDir }).put(key("e"), [1], { step: "train", runId: 4, mode: "disk", logged });
    const hit = await new StepCache({ dir: cacheDir }).get(key("e"));
    assert.equal(hit?.tier, "disk");
    assert.deepEqual(hit?.logged, logged);
    assert.equal(new StepCache({ dir: cacheDir }).report().byStep.train?.artifacts, 1, "a long header still lists");
  });

  it("survives two processes writing the same key at once", async () => {
    const shared = join(dir, "concurrent");
    const script = `
      const { DiskStore } = require(${JSON.stringify(join(__dirname, "..", "..", "dist", "cache"))});
      const store = new DiskStore(process.argv[1]);
      const payload = Buffer.alloc(2_000_000, Number(process.argv[2]));
      for (let i = 0; i < 30; i++) {
        store.write(DiskStore.header(process.argv[3], payload, { step: "s", runId: Number(process.argv[2]) }), payload);
        const read = store.read(process.argv[3]);
        if (!read || read.payload.length !== payload.length) throw new Error("bad read");
      }`;
    const k = key("shared");
    const run = (n: number) =>
      new Promise<number | null>((done) => spawn(process.execPath, ["-e", script, shared, String(n), k], { stdio: "inherit" }).on("exit", done));
    assert.deepEqual(await Promise.all([run(1), run(2)]), [0, 0]);
    const final = new DiskStore(shared).read(k);
    assert.ok(final, "the artifact is whole");
    assert.ok(final.payload.every((b) => b === final.header.runId), "the payload is one writer's, not a mix");
  });
});
