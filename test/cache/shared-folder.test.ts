import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CorruptArtifactError, DiskStore, StepCache } from "../../src/cache";
import { SHARED_MARKER, SharedFolderStore, openArtifactStore } from "../../src/cache/shared-folder-store";
import { tempDir } from "../helpers/tmp";
import { expectedPayload, keyOf } from "./shared-folder-values";

const root = join(__dirname, "..", "..");
const tsx = join(root, "node_modules", "tsx", "dist", "loader.mjs");
const workerScript = join(__dirname, "shared-folder-worker.ts");

interface Seen {
  store: string;
  hits: number;
  misses: number;
  writes: number;
  lostLive: number;
  bad: string[];
}

/** The environment of a simulated machine: its own HOME and TMPDIR, nothing of this process's cache settings. */
function machine(base: string, name: string): NodeJS.ProcessEnv {
  const home = join(base, "machines", name, "home");
  const tmp = join(base, "machines", name, "tmp");
  mkdirSync(home, { recursive: true });
  mkdirSync(tmp, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, TMPDIR: tmp };
  delete env.PIPELAB_CACHE_SHARED;
  delete env.PIPELAB_CACHE_DIR;
  return env;
}

function worker(args: string[], env: NodeJS.ProcessEnv, options: { uid?: number; gid?: number } = {}) {
  const child = spawn(process.execPath, ["--import", tsx, workerScript, ...args], { env, cwd: root, stdio: ["ignore", "pipe", "pipe"], ...options });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done, output: () => stdout };
}

async function rounds(base: string, dir: string, id: number, keys: number, count: number, live = 0): Promise<Seen> {
  const r = await worker(["rounds", dir, String(id), String(keys), String(count), String(live)], machine(base, `m${id}`)).done;
  assert.equal(r.code, 0, `machine ${id} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Seen;
}

/** A shared cache folder: the marker left by a first write from a process told PIPELAB_CACHE_SHARED=1 (here: the store itself). */
function sharedFolder(base: string): string {
  const dir = join(base, "shared-cache");
  const first = new SharedFolderStore(dir, "the test made it");
  const payload = expectedPayload(999);
  first.write(DiskStore.header(keyOf(999), payload, { step: "setup", runId: null }), payload);
  assert.ok(existsSync(join(dir, SHARED_MARKER)), "the first write leaves the marker");
  return dir;
}

/** The temporary files under the cache folder (writers' files not yet renamed). */
function tempFiles(store: DiskStore): string[] {
  if (!existsSync(store.dir)) return [];
  return readdirSync(store.dir).flatMap((fan) => {
    const sub = join(store.dir, fan);
    return statSync(sub).isDirectory() ? readdirSync(sub).filter((n) => n.endsWith(".tmp")).map((n) => join(sub, n)) : [];
  });
}

describe("a shared step cache folder", () => {
  it("is chosen by its marker, by PIPELAB_CACHE_SHARED=1 (whose first write leaves the marker), and is local otherwise", () => {
    const base = tempDir("pipelab-shared-");
    const previous = process.env.PIPELAB_CACHE_SHARED;
    try {
      process.env.PIPELAB_CACHE_SHARED = "0";
      assert.ok(!(openArtifactStore(join(base, "local")) instanceof SharedFolderStore));
      process.env.PIPELAB_CACHE_SHARED = "yes";
      assert.throws(() => openArtifactStore(join(base, "x")), /invalid PIPELAB_CACHE_SHARED: "yes" \(use 1 .*, 0 /);
      process.env.PIPELAB_CACHE_SHARED = "1";
      const cache = new StepCache({ dir: join(base, "team") });
      assert.equal(cache.report().shared, "PIPELAB_CACHE_SHARED=1");
      const payload = Buffer.from("x");
      openArtifactStore(join(base, "team")).write(DiskStore.header(keyOf(1), payload, { step: "s", runId: null }), payload);
      process.env.PIPELAB_CACHE_SHARED = "0";
      const later = new StepCache({ dir: join(base, "team") });
      assert.equal(later.report().shared, `it holds ${SHARED_MARKER}`, "the folder's marker outweighs a machine's environment");
      const marker = JSON.parse(readFileSync(join(base, "team", SHARED_MARKER), "utf8")) as Record<string, unknown>;
      assert.equal(marker.pipelab, "shared step cache");
      assert.equal(new StepCache({ dir: join(base, "local") }).report().shared, undefined);
    } finally {
      if (previous === undefined) delete process.env.PIPELAB_CACHE_SHARED;
      else process.env.PIPELAB_CACHE_SHARED = previous;
    }
  });

  it("six machines writing and reading the same keys at once: every read is a miss or the exact value, and every key ends readable", async () => {
    const base = tempDir("pipelab-shared-");
    const dir = sharedFolder(base);
    const keys = 16;
    const seen = await Promise.all([0, 1, 2, 3, 4, 5].map((id) => rounds(base, dir, id, keys, 20)));
    for (const s of seen) {
      assert.equal(s.store, "SharedFolderStore", "a machine without PIPELAB_CACHE_SHARED follows the folder's marker");
      assert.deepEqual(s.bad, []);
      assert.ok(s.hits > 0 && s.writes >= 1);
    }
    const store = openArtifactStore(dir);
    for (let n = 0; n < keys; n++) assert.ok(store.read(keyOf(n))?.payload.equals(expectedPayload(n)), `key ${n} is readable and right`);
    assert.deepEqual(tempFiles(store as DiskStore), [], "writers that finished leave no temporary file");
    const reads = seen.reduce((sum, s) => sum + s.hits + s.misses, 0);
    const writes = seen.reduce((sum, s) => sum + s.writes, 0);
    assert.equal(reads, 6 * keys * 20);
    assert.ok(writes > keys, `${writes} writes of ${keys} keys: the same keys were written by several machines`);
  });

  it("a writer killed mid-write leaves no readable partial artifact, and its file goes only once it is old by the folder's clock", async () => {
    const base = tempDir("pipelab-shared-");
    const dir = sharedFolder(base);
    const store = new SharedFolderStore(dir);
    const key = keyOf(7);
    let killedFile: string | undefined;
    for (let bytes = 64 * 1024 ** 2; killedFile === undefined && bytes <= 1024 ** 3; bytes *= 2) {
      const w = worker(["write", dir, key, String(bytes)], machine(base, "doomed"));
      // Watch for its temporary file, then kill it there: whatever point of the write that is.
      while (w.child.exitCode === null && w.child.signalCode === null) {
        const temp = tempFiles(store).find((f) => f.includes(key));
        if (temp !== undefined) {
          w.child.kill("SIGKILL");
          killedFile = temp;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      const r = await w.done;
      if (killedFile === undefined) {
        // Finished before it was caught: what it left must be whole; then again, bigger.
        assert.equal(r.code, 0, r.stderr);
        assert.equal(store.read(key)?.payload.byteLength, bytes);
        store.remove(key);
      } else assert.equal(r.signal, "SIGKILL");
    }
    assert.ok(killedFile !== undefined, "a writer was caught mid-write");
    assert.equal(store.read(key), undefined, "no artifact was published");
    assert.equal(store.has(key), false);

    // Another machine's live writer, quiet for 30 minutes: a local cache would call it dead (10 minutes), a shared one does not.
    const otherLive = join(store.dir, key.slice(0, 2), `.${key}.art.new.otherhost.4242.0123456789ab.tmp`);
    writeFileSync(otherLive, Buffer.alloc(100));
    const halfHourAgo = new Date(Date.now() - 30 * 60_000);
    utimesSync(otherLive, halfHourAgo, halfHourAgo);
    assert.ok(new DiskStore(dir).leftovers().orphans.some((o) => o.path === otherLive), "the local rule's 10 minutes would take it");

    new StepCache({ dir }); // opening the cache sweeps dead writers' files
    assert.ok(existsSync(killedFile), "the killed writer's file is young: it stays");
    assert.ok(existsSync(otherLive), "a live writer's file stays");
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(killedFile, twoHoursAgo, twoHoursAgo);
    const opened = new StepCache({ dir });
    assert.equal(existsSync(killedFile), false, "once old by the folder's clock, it is removed");
    assert.ok(existsSync(otherLive));
    assert.equal(opened.report().leftovers.files, 0);
  });

  it("a corrupted artifact is a miss with a warning naming the file; only the version read is removed; the next write repairs it", async () => {
    const base = tempDir("pipelab-shared-");
    const dir = sharedFolder(base);
    const key = keyOf(3);
    await new StepCache({ dir }).put(key, { rows: [1, 2, 3] }, { step: "clean", runId: 1, mode: "disk" });
    const store = new SharedFolderStore(dir);
    const file = store.fileOf(key);
    const bytes = readFileSync(file);
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] ?? 0) ^ 0xff;
    writeFileSync(file, bytes);
    const warnings: string[] = [];
    assert.equal(await new StepCache({ dir }).get(key, (m) => warnings.push(m)), undefined);
    assert.equal(warnings.length, 1);
    assert.ok(warnings[0]?.includes(file), warnings[0]);
    assert.match(warnings[0] ?? "", /corrupted \(checksum mismatch\); it was deleted and the step recomputes/);
    assert.equal(existsSync(file), false);
    assert.deepEqual(tempFiles(store), [], "the file moved aside to be deleted is gone too");

    await new StepCache({ dir }).put(key, { rows: [1, 2, 3] }, { step: "clean", runId: 2, mode: "disk" });
    const hit = await new StepCache({ dir }).get(key);
    assert.deepEqual([hit?.tier, hit?.value], ["disk", { rows: [1, 2, 3] }]);

    // A machine reads a damaged file; another publishes a good one; the first's removal must not take the good one.
    writeFileSync(file, readFileSync(file).subarray(0, 40));
    let damaged: CorruptArtifactError | undefined;
    try {
      store.read(key);
    } catch (error) {
      damaged = error as CorruptArtifactError;
    }
    assert.ok(damaged instanceof CorruptArtifactError && damaged.version !== undefined, "a truncated file is reported as corrupt, with the version read");
    const good = Buffer.from("a good artifact");
    store.write(DiskStore.header(key, good, { step: "clean", runId: 3 }), good);
    assert.equal(store.remove(key, damaged.version), false, "the version read is gone already");
    assert.ok(store.read(key)?.payload.equals(good), "the good artifact is still there");
    assert.deepEqual(tempFiles(store), []);
  });

  it("prunes while four machines write: no live key's artifact is lost mid-read, dead ones go, fresh ones stay", async () => {
    const base = tempDir("pipelab-shared-");
    const dir = sharedFolder(base);
    const store = new SharedFolderStore(dir);
    const live = 8;
    const write = (n: number): void => store.write(DiskStore.header(keyOf(n), expectedPayload(n), { step: "s", runId: null }), expectedPayload(n));
    for (let n = 0; n < live; n++) write(n);
    const dead = [100, 101, 102, 103, 104, 105];
    const longAgo = new Date(Date.now() - 3 * 3600_000);
    for (const n of dead) {
      write(n);
      utimesSync(store.fileOf(keyOf(n)), longAgo, longAgo);
    }
    write(200); // not kept by any run, but published minutes ago: its run may not be recorded yet
    const keep = new Set(Array.from({ length: live }, (_, n) => keyOf(n)));
    const workers = Promise.all([0, 1, 2, 3].map((id) => rounds(base, dir, id, live, 25, live)));
    let finished = false;
    void workers.finally(() => (finished = true));
    let removed = 0;
    let prunes = 0;
    while (!finished || prunes === 0) {
      removed += new StepCache({ dir }).prune({ keep }).removed;
      prunes += 1;
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (const s of await workers) {
      assert.deepEqual(s.bad, []);
      assert.equal(s.lostLive, 0, "every read of a live key found its artifact");
    }
    assert.equal(removed, dead.length, "the dead keys went, each once");
    for (const n of dead) assert.equal(store.has(keyOf(n)), false);
    for (let n = 0; n < live; n++) assert.ok(store.read(keyOf(n))?.payload.equals(expectedPayload(n)));
    assert.ok(store.has(keyOf(200)), "a fresh artifact outlives a prune");
  });

  it("gives the group read and write on what it creates, whatever the umask", async () => {
    const base = tempDir("pipelab-shared-");
    const umask = process.umask(0o022);
    let dir: string;
    try {
      dir = sharedFolder(base);
    } finally {
      process.umask(umask);
    }
    const store = new SharedFolderStore(dir);
    const key = keyOf(999);
    const mode = (p: string): string => (statSync(p).mode & 0o7777).toString(8);
    assert.deepEqual([dir, store.dir, join(store.dir, key.slice(0, 2))].map(mode), ["2775", "2775", "2775"]);
    assert.deepEqual([store.fileOf(key), join(dir, SHARED_MARKER)].map(mode), ["664", "664"]);
  });

  it("lets another user of the group publish into folders the first user created", { skip: process.getuid?.() !== 0 && "needs root to act as two users" }, async () => {
    const base = tempDir("pipelab-shared-");
    chmodSync(base, 0o755);
    const group = 65534;
    const other = { uid: 65534, gid: group };
    const env = machine(base, "other-user");
    for (const p of [join(base, "machines"), join(base, "machines", "other-user"), env.HOME as string, env.TMPDIR as string]) chmodSync(p, 0o777);
    const publishAsOther = async (dir: string) => worker(["write", dir, keyOf(5), "1000"], env, other).done;

    const umask = process.umask(0o022);
    try {
      const shared = join(base, "team-cache");
      mkdirSync(shared);
      chownSync(shared, 0, group);
      chmodSync(shared, 0o2775);
      new SharedFolderStore(shared).write(DiskStore.header(keyOf(5), expectedPayload(5), { step: "s", runId: null }), expectedPayload(5));
      const r = await publishAsOther(shared);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(new SharedFolderStore(shared).read(keyOf(5))?.payload.byteLength, 1000, "the other user's artifact replaced the first's");

      // The local store under PIPELAB_SHARED=1 creates its folders as the umask says (0755): the same attempt is refused.
      const local = join(base, "local-cache");
      mkdirSync(local);
      chownSync(local, 0, group);
      chmodSync(local, 0o2775);
      process.env.PIPELAB_SHARED = "1";
      try {
        new DiskStore(local).write(DiskStore.header(keyOf(5), expectedPayload(5), { step: "s", runId: null }), expectedPayload(5));
      } finally {
        delete process.env.PIPELAB_SHARED;
      }
      const refused = await publishAsOther(local);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /EACCES/);
    } finally {
      process.umask(umask);
    }
  });

  it("serves a hit about as fast as the local store (a figure, not a requirement)", (t) => {
    const base = tempDir("pipelab-shared-");
    const payload = expectedPayload(11);
    const size = (n: number): Buffer => Buffer.concat(Array.from({ length: n }, () => payload)).subarray(0, n * 1024 * 1024);
    const figures: string[] = [];
    for (const mb of [1, 16]) {
      const bytes = size(mb);
      const measure = (store: DiskStore): { writeMs: number; hitMs: number } => {
        const key = keyOf(1000 + mb);
        const writes = mb === 1 ? 20 : 5;
        let start = process.hrtime.bigint();
        for (let i = 0; i < writes; i++) store.write(DiskStore.header(key, bytes, { step: "bench", runId: null }), bytes);
        const writeMs = Number(process.hrtime.bigint() - start) / 1e6 / writes;
        const reads = mb === 1 ? 200 : 20;
        start = process.hrtime.bigint();
        for (let i = 0; i < reads; i++) assert.ok(store.read(key));
        return { writeMs, hitMs: Number(process.hrtime.bigint() - start) / 1e6 / reads };
      };
      const local = measure(new DiskStore(join(base, "local")));
      const shared = measure(new SharedFolderStore(join(base, "shared")));
      figures.push(
        `${mb} MB: hit ${local.hitMs.toFixed(2)} ms local vs ${shared.hitMs.toFixed(2)} ms shared; write ${local.writeMs.toFixed(2)} ms local vs ${shared.writeMs.toFixed(2)} ms shared (fsync)`,
      );
    }
    for (const f of figures) t.diagnostic(f);
  });
});
