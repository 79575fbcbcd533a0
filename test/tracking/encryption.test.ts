import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { inspect } from "node:util";
import Database from "better-sqlite3";
import { TrackingError } from "../../src/errors";
import { ExperimentStore, StoreKey, changeStoreKey, storeKey } from "../../src/tracking";
import type { RunId } from "../../src/tracking";
import { sha256 } from "../../src/util";
import { tempDir } from "../helpers/tmp";

const root = join(__dirname, "..", "..");
const tsx = join(root, "node_modules", "tsx", "dist", "loader.mjs");

// Keys no message may show: distinctive enough that finding one in text is never an accident.
const KEY = "correct-horse-7f3a9c";
const OTHER_KEY = "battery-staple-2b8d41";
const NEEDLE = "needle-run-5e1f0a";

// The tests give keys explicitly; a key in the environment of whoever runs them must not leak in.
for (const name of ["PIPELAB_STORE_KEY", "PIPELAB_STORE_KEY_FILE", "PIPELAB_STORE_NEW_KEY"]) delete process.env[name];

/** A store with two finished runs, a param and a metric history; the runs' ids. */
function fill(store: ExperimentStore, name = NEEDLE): RunId[] {
  return [1, 2].map((i) => {
    const run = store.createRun({ experiment: "vault", sourceKind: "script", name: `${name}-${i}` });
    store.logParams(run, { lr: 0.01 * i });
    store.logMetrics(run, [0, 1, 2].map((step) => ({ key: "loss", value: 1 / (step + i), step })));
    store.endRun(run, "finished");
    return run;
  });
}

/** What a reader sees of the store: names, params, final metrics and histories of every run. */
function contents(store: ExperimentStore): unknown {
  return store.listRuns().map((r) => {
    const d = store.runDetails(r.id)!;
    return { name: d.name, status: d.status, params: d.params, metrics: d.metrics, loss: store.metricHistory(r.id, "loss").map((p) => [p.step, p.value]) };
  });
}

/** The bytes on disk of the store and its -wal: what someone who copies the files gets. */
function onDisk(file: string): Buffer {
  return Buffer.concat([readFileSync(file), existsSync(`${file}-wal`) ? readFileSync(`${file}-wal`) : Buffer.alloc(0)]);
}

function hash(file: string): string {
  return sha256(readFileSync(file));
}

/** The error `fn` throws; fails when it throws none. */
function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  assert.fail("expected an error");
}

function assertNoKey(text: string): void {
  for (const key of [KEY, OTHER_KEY]) assert.ok(!text.includes(key), `a key appears in: ${text}`);
}

describe("an encrypted store", () => {
  const dir = tempDir();

  it("is created encrypted with a key, and reopened with it holds every run as it was written", () => {
    const file = join(dir, "new", "experiments.db");
    const store = ExperimentStore.open(file, { key: KEY });
    fill(store);
    const written = contents(store);
    assert.ok(!onDisk(file).includes(NEEDLE), "while open, neither the file nor its -wal holds a run name in clear");
    store.close();
    assert.ok(!readFileSync(file).includes(NEEDLE), "the closed file holds no run name in clear");
    assert.ok(!readFileSync(file).subarray(0, 16).equals(Buffer.from("SQLite format 3\0", "latin1")), "not even the SQLite header");
    assert.equal(statSync(file).mode & 0o777, 0o600, "private to the user, as a plain store");
    assert.equal(readFileSync(file)[18], 2, "in WAL mode (header byte 18, kept in clear by the cipher)");
    const again = ExperimentStore.open(file, { key: KEY });
    assert.deepEqual(contents(again), written);
    again.close();

    const plainFile = join(dir, "plain.db");
    const plain = ExperimentStore.open(plainFile);
    fill(plain);
    plain.close();
    assert.ok(readFileSync(plainFile).includes(NEEDLE), "a plain store, by contrast, shows its run names to anyone who reads the file");
  });

  it("is read read-only with its key, and refuses writes as a plain store does", () => {
    const file = join(dir, "read-only.db");
    const store = ExperimentStore.open(file, { key: KEY });
    fill(store);
    const written = contents(store);
    store.close();
    const reader = ExperimentStore.open(file, { key: KEY, readOnly: true });
    assert.deepEqual(contents(reader), written);
    assert.throws(() => reader.createRun({ experiment: "vault", sourceKind: "script" }), /opened read-only/);
    reader.close();
  });

  it("opened without a key is an error saying to set the key, and the file is left untouched", () => {
    const file = join(dir, "no-key.db");
    const store = ExperimentStore.open(file, { key: KEY });
    fill(store);
    store.close();
    const before = hash(file);
    for (const readOnly of [false, true]) {
      const error = errorOf(() => ExperimentStore.open(file, { readOnly }));
      assert.ok(error instanceof TrackingError);
      assert.match(error.message, /no-key\.db is encrypted: set PIPELAB_STORE_KEY or PIPELAB_STORE_KEY_FILE/);
    }
    assert.equal(hash(file), before);
    assert.ok(!existsSync(`${file}-wal`), "no -wal left behind");
  });

  it("opened with a wrong key is an error that names the store, not the key, and the file is left untouched", () => {
    const file = join(dir, "wrong-key.db");
    const store = ExperimentStore.open(file, { key: KEY });
    fill(store);
    store.close();
    const before = hash(file);
    for (const readOnly of [false, true]) {
      const error = errorOf(() => ExperimentStore.open(file, { key: OTHER_KEY, readOnly }));
      assert.ok(error instanceof TrackingError);
      assert.match(error.message, /^wrong key for the experiment store .*wrong-key\.db \(the key from the `key` option\)/);
      assertNoKey(error.message);
      assertNoKey(String(error.cause));
    }
    assert.equal(hash(file), before);
    const reopened = ExperimentStore.open(file, { key: KEY });
    assert.equal(reopened.listRuns().length, 2, "the right key still opens it");
    reopened.close();
  });

  it("refuses a key for a plain store, saying how to encrypt it, and leaves it plain", () => {
    const file = join(dir, "plain-with-key.db");
    const store = ExperimentStore.open(file);
    fill(store);
    store.close();
    const before = hash(file);
    for (const readOnly of [false, true]) {
      const error = errorOf(() => ExperimentStore.open(file, { key: KEY, readOnly }));
      assert.match(error.message, /is not encrypted, but a key was given .*pipelab store encrypt/);
      assertNoKey(error.message);
    }
    assert.equal(hash(file), before);
  });

  it("takes its key from PIPELAB_STORE_KEY or from a private PIPELAB_STORE_KEY_FILE, never both, and never shows it", () => {
    const keyFile = join(dir, "store.key");
    writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });
    const fromFile = storeKey(undefined, { PIPELAB_STORE_KEY_FILE: keyFile });
    const fromEnv = storeKey(undefined, { PIPELAB_STORE_KEY: KEY });
    assert.ok(fromFile && fromEnv && fromFile.equals(fromEnv), "the file's line ending is not part of the key");
    assert.equal(storeKey(undefined, {}), undefined, "no key: a plain store");
    for (const shown of [String(fromFile), JSON.stringify({ fromEnv }), inspect(fromEnv)]) assertNoKey(shown);

    chmodSync(keyFile, 0o644);
    assert.throws(() => storeKey(undefined, { PIPELAB_STORE_KEY_FILE: keyFile }), /store\.key is readable by others \(mode 0644\).*chmod 600/);
    assert.throws(() => storeKey(undefined, { PIPELAB_STORE_KEY: KEY, PIPELAB_STORE_KEY_FILE: keyFile }), /set only one of them/);
    assert.throws(() => storeKey(""), /is empty/);
  });

  it("is encrypted from a plain one with every row kept, and decrypted back to a file plain better-sqlite3 reads", () => {
    const file = join(dir, "encrypt.db");
    const store = ExperimentStore.open(file);
    fill(store);
    const written = contents(store);
    store.close();

    const report = changeStoreKey(file, { to: new StoreKey(KEY, "a test") });
    assert.ok(report.rows > 0);
    assert.ok(!readFileSync(file).includes(NEEDLE));
    assert.throws(() => ExperimentStore.open(file), /is encrypted/);
    const encrypted = ExperimentStore.open(file, { key: KEY });
    assert.deepEqual(contents(encrypted), written);
    encrypted.close();
    assert.throws(() => changeStoreKey(file, { to: new StoreKey(OTHER_KEY, "a test") }), /is already encrypted; to change its key, run `pipelab store rekey`/);

    changeStoreKey(file, { from: new StoreKey(KEY, "a test") });
    assert.ok(readFileSync(file).includes(NEEDLE));
    const db = new Database(file, { readonly: true });
    assert.equal(db.prepare("SELECT count(*) FROM runs").pluck().get(), 2);
    db.close();
    const plain = ExperimentStore.open(file);
    assert.deepEqual(contents(plain), written);
    plain.close();
    assert.throws(() => changeStoreKey(file, { from: new StoreKey(KEY, "a test") }), /is not encrypted, but its key was given .*pipelab store encrypt/);
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.startsWith("encrypt.db.") || name === "encrypt.db-journal"),
      [],
      "no copy or journal left behind",
    );
  });

  it("is rekeyed: the old key no longer opens it, the new one does, and every row is kept", () => {
    const file = join(dir, "rekey.db");
    const store = ExperimentStore.open(file, { key: KEY });
    fill(store);
    const written = contents(store);
    store.close();
    const mode = statSync(file).mode;
    changeStoreKey(file, { from: new StoreKey(KEY, "the old key"), to: new StoreKey(OTHER_KEY, "the new key") });
    assert.match(errorOf(() => ExperimentStore.open(file, { key: KEY })).message, /^wrong key/);
    const rekeyed = ExperimentStore.open(file, { key: OTHER_KEY });
    assert.deepEqual(contents(rekeyed), written);
    rekeyed.close();
    assert.equal(statSync(file).mode, mode, "the file keeps its mode");
  });

  it("is not rekeyed with a wrong current key, nor while another connection has it open; it is left as it was", () => {
    const file = join(dir, "busy.db");
    const store = ExperimentStore.open(file, { key: KEY });
    fill(store);
    const written = contents(store);
    store.close();
    const before = hash(file);
    const wrong = errorOf(() => changeStoreKey(file, { from: new StoreKey(OTHER_KEY, "a guess"), to: new StoreKey(KEY, "x") }));
    assert.match(wrong.message, /^wrong key/);
    assert.equal(hash(file), before);

    const holder = ExperimentStore.open(file, { key: KEY });
    const busy = errorOf(() => changeStoreKey(file, { from: new StoreKey(KEY, "the key"), to: new StoreKey(OTHER_KEY, "the new key") }));
    assert.match(busy.message, /is open in another process .*nothing was changed/);
    assertNoKey(busy.message);
    fill(holder, "written-after");
    holder.close();
    const after = ExperimentStore.open(file, { key: KEY });
    assert.deepEqual((contents(after) as unknown[]).slice(2), written, "the old key still opens it, with every run");
    assert.equal(after.listRuns().length, 4, "and the holder went on writing");
    after.close();
  });
});

describe("encryption outside this process", () => {
  const dir = tempDir();

  /** Runs pipelab's CLI with `env`; its whole output. */
  function cli(args: string[], env: Record<string, string>): { status: number | null; output: string } {
    const r = spawnSync(process.execPath, ["--import", tsx, join(root, "src", "cli", "main.ts"), ...args], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, PIPELAB_STORE: "", ...env },
    });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  }

  it("pipelab store encrypt, rekey and decrypt take keys from the environment and key files, and never print them", () => {
    const file = join(dir, "cli.db");
    const store = ExperimentStore.open(file);
    fill(store);
    const written = contents(store);
    store.close();
    const newKeyFile = join(dir, "new.key");
    writeFileSync(newKeyFile, OTHER_KEY, { mode: 0o600 });
    const outputs: string[] = [];
    const step = (args: string[], env: Record<string, string>, status: number): string => {
      const r = cli(args, env);
      outputs.push(r.output);
      assert.equal(r.status, status, r.output);
      return r.output;
    };
    assert.match(step(["store", "encrypt", "--store", file], { PIPELAB_STORE_KEY: KEY }, 0), /^encrypted .*cli\.db \(11 tables, \d+ rows verified\)/);
    assert.match(step(["runs", "ls", "--store", file], {}, 1), /is encrypted: set PIPELAB_STORE_KEY/);
    assert.match(step(["runs", "ls", "--store", file], { PIPELAB_STORE_KEY: OTHER_KEY }, 1), /wrong key for/);
    assert.match(step(["store", "rekey", "--store", file, "--new-key-file", newKeyFile], { PIPELAB_STORE_KEY: KEY }, 0), /^changed the key of/);
    assert.match(step(["runs", "ls", "--store", file], { PIPELAB_STORE_KEY_FILE: newKeyFile }, 0), /^2\s+vault\s+finished/m);
    assert.match(step(["store", "decrypt", "--store", file], { PIPELAB_STORE_KEY: KEY }, 1), /^pipelab: wrong key/);
    assert.match(step(["store", "decrypt", "--store", file], { PIPELAB_STORE_KEY: OTHER_KEY }, 0), /^decrypted/);
    for (const output of outputs) assertNoKey(output);
    const plain = ExperimentStore.open(file);
    assert.deepEqual(contents(plain), written);
    plain.close();
  });

  it("a workbench records its run into an encrypted store, with the key from PIPELAB_STORE_KEY", () => {
    const file = join(dir, "workbench.db");
    const script = join(dir, "pipeline.ts");
    writeFileSync(
      script,
      `import { Workbench } from ${JSON.stringify(join(root, "src", "workbench"))};
(async () => {
  const wb = await Workbench.open({ experiment: "secret", store: ${JSON.stringify(file)}, cacheDir: ${JSON.stringify(join(dir, "cache"))}, quiet: true });
  const xs = await wb.step("load", () => [1, 2, 3]);
  wb.log("total", xs.reduce((a, b) => a + b, 0));
  wb.finish();
  console.log("RUN " + wb.runId);
})();
`,
    );
    const r = spawnSync(process.execPath, ["--import", tsx, script], { cwd: dir, encoding: "utf8", env: { ...process.env, PIPELAB_STORE: "", PIPELAB_STORE_KEY: KEY } });
    assert.equal(r.status, 0, r.stderr);
    assertNoKey(`${r.stdout}${r.stderr}`);
    const runId = Number(/^RUN (\d+)$/m.exec(r.stdout)?.[1]) as RunId;
    assert.ok(!readFileSync(file).includes("secret"), "the experiment's name is not in clear");
    const store = ExperimentStore.open(file, { key: KEY });
    const run = store.runDetails(runId)!;
    assert.equal(run.status, "finished");
    assert.deepEqual(run.metrics, { total: 6 });
    assert.deepEqual(store.stepExecutions(runId).map((e) => e.step), ["load"]);
    store.close();
  });

  it("without the optional module, a key is a clear error, and a plain store neither needs nor loads it", () => {
    const file = join(dir, "no-module.db");
    const store = ExperimentStore.open(file);
    fill(store);
    store.close();
    copyFileSync(file, join(dir, "no-module-2.db"));
    // The module is made unfindable, as on a machine where its native build failed (npm then leaves it out).
    const hide = join(dir, "hide-ciphers.js");
    writeFileSync(
      hide,
      `const Module = require("node:module");
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === "better-sqlite3-multiple-ciphers") throw Object.assign(new Error("Cannot find module 'better-sqlite3-multiple-ciphers'"), { code: "MODULE_NOT_FOUND" });
  return resolve.call(this, request, ...rest);
};`,
    );
    const probe = `const { ExperimentStore } = require(${JSON.stringify(join(root, "src", "tracking"))});
const plain = ExperimentStore.open(${JSON.stringify(file)});
console.log("PLAIN " + plain.listRuns().length + " " + Object.keys(require.cache).some((k) => k.includes("multiple-ciphers")));
plain.close();
try { ExperimentStore.open(${JSON.stringify(join(dir, "fresh.db"))}, { key: ${JSON.stringify(KEY)} }); } catch (e) { console.log("ERROR " + e.constructor.name + ": " + e.message); }`;
    const r = spawnSync(process.execPath, ["--require", hide, "--import", tsx, "--eval", probe], { cwd: dir, encoding: "utf8", env: { ...process.env, PIPELAB_STORE: "" } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^PLAIN 2 false$/m, "a plain store opens without the module, and does not load it");
    assert.match(r.stdout, /^ERROR SetupError: encryption needs the optional dependency better-sqlite3-multiple-ciphers, which did not build here: Cannot find module/m);
    assertNoKey(r.stdout);
  });

  it("costs this much when logging metrics (a note, not a requirement)", (t) => {
    const SINGLE = 2000;
    const BATCHES = 30;
    const timeLogging = (store: ExperimentStore): { single: number; batched: number } => {
      const run = store.createRun({ experiment: "cost", sourceKind: "script" });
      let start = performance.now();
      for (let step = 0; step < SINGLE; step++) store.logMetric(run, "loss", 1 / (step + 1), step);
      const single = performance.now() - start;
      start = performance.now();
      for (let batch = 0; batch < BATCHES; batch++) store.logMetrics(run, Array.from({ length: 1000 }, (_, i) => ({ key: "acc", value: i / 1000, step: batch * 1000 + i })));
      const batched = performance.now() - start;
      store.endRun(run, "finished");
      store.close();
      return { single, batched };
    };
    // Interleaved rounds, the best of each: one slow moment of the machine does not decide the figure.
    const best = { plain: { single: Infinity, batched: Infinity }, encrypted: { single: Infinity, batched: Infinity } };
    for (let round = 0; round < 3; round++) {
      for (const kind of ["plain", "encrypted"] as const) {
        const times = timeLogging(ExperimentStore.open(join(dir, `cost-${kind}-${round}.db`), kind === "encrypted" ? { key: KEY } : {}));
        best[kind].single = Math.min(best[kind].single, times.single);
        best[kind].batched = Math.min(best[kind].batched, times.batched);
      }
    }
    const { plain, encrypted } = best;
    const rate = (n: number, ms: number): string => `${Math.round(n / (ms / 1000)).toLocaleString("en-US")}/s`;
    t.diagnostic(
      `note: metric logging, plain vs encrypted (chacha20), best of 3: one point a transaction ${rate(SINGLE, plain.single)} vs ${rate(SINGLE, encrypted.single)} ` +
        `(${(encrypted.single / plain.single).toFixed(2)}x the time); batches of 1,000 points ${rate(BATCHES * 1000, plain.batched)} vs ${rate(BATCHES * 1000, encrypted.batched)} ` +
        `(${(encrypted.batched / plain.batched).toFixed(2)}x)`,
    );
  });
});
