/**
 * One "machine" of the shared-cache tests: a separate process (its own HOME
 * and TMPDIR, given by the test) that opens the cache folder it is told and
 * reads and writes keys in it. It prints one JSON line of what it saw.
 *
 *   worker.ts rounds DIR ID KEYS ROUNDS   read each key, write it when missing or now and then; many rounds
 *   worker.ts write DIR KEY BYTES         write one big artifact (to be killed mid-write)
 */
import { CorruptArtifactError, DiskStore, StepCache } from "../../src/cache";
import type { ArtifactStore } from "../../src/cache";
import { openArtifactStore } from "../../src/cache/shared-folder-store";
import { expectedPayload, keyOf } from "./shared-folder-values";

interface Seen {
  store: string;
  hits: number;
  misses: number;
  writes: number;
  /** Live keys (written before the workers started) that read as a miss. */
  lostLive: number;
  bad: string[];
}

function rounds(dir: string, id: number, keys: number, count: number, live: number): Seen {
  const store: ArtifactStore = openArtifactStore(dir);
  // Opening a StepCache sweeps the dead writers' files, as every kernel and worker does.
  new StepCache({ store });
  const seen: Seen = { store: store.constructor.name, hits: 0, misses: 0, writes: 0, lostLive: 0, bad: [] };
  let state = id * 7919 + 1;
  const random = (): number => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let round = 0; round < count; round++) {
    for (let i = 0; i < keys; i++) {
      const n = (i + id + round) % keys;
      const key = keyOf(n);
      const want = expectedPayload(n);
      let got: ReturnType<ArtifactStore["read"]>;
      try {
        got = store.read(key);
      } catch (error) {
        seen.bad.push(`${error instanceof CorruptArtifactError ? "corrupt" : "error"} reading key ${n}: ${(error as Error).message}`);
        continue;
      }
      if (got === undefined) {
        seen.misses += 1;
        if (n < live) seen.lostLive += 1;
      } else if (!got.payload.equals(want) || got.header.key !== key) {
        seen.bad.push(`key ${n}: ${got.payload.byteLength} bytes that are not its value`);
      } else seen.hits += 1;
      if (got === undefined || random() < 0.3) {
        store.write(DiskStore.header(key, want, { step: `s${n % 3}`, runId: id }), want);
        seen.writes += 1;
      }
    }
  }
  return seen;
}

const [mode, dir, ...rest] = process.argv.slice(2);
if (mode === "rounds" && dir !== undefined) {
  const [id, keys, count, live] = rest.map(Number);
  process.stdout.write(`${JSON.stringify(rounds(dir, id ?? 0, keys ?? 1, count ?? 1, live ?? 0))}\n`);
} else if (mode === "write" && dir !== undefined) {
  const [key, bytes] = rest;
  const payload = Buffer.alloc(Number(bytes), 0x5a);
  process.stdout.write("writing\n");
  openArtifactStore(dir).write(DiskStore.header(key ?? "", payload, { step: "big", runId: 1 }), payload);
  process.stdout.write("written\n");
} else {
  process.stderr.write(`usage: shared-folder-worker.ts rounds DIR ID KEYS ROUNDS LIVE | write DIR KEY BYTES\n`);
  process.exit(2);
}
