// Issue 14, tracking part: crash detection that a reused pid does not fool (5), read-only and
// full stores (6), and store files private to their user (7).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { TrackingError } from "../../src/errors";
import { APPLICATION_ID, ExperimentStore, SCHEMA_VERSION, STALE_HEARTBEAT_MS } from "../../src/tracking";
import type { RunId } from "../../src/tracking";
import { ownerIsGone } from "../../src/tracking/process-owner";
import type { ProcessProbe, RunOwner } from "../../src/tracking/process-owner";
import { MIGRATIONS } from "../../src/tracking/schema";
import { sha256 } from "../../src/util";
import { tempDir } from "../helpers/tmp";

const root = join(__dirname, "..", "..");
const tsx = join(root, "node_modules", "tsx", "dist", "loader.mjs");
const tracking = JSON.stringify(join(root, "src", "tracking"));

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
function startTicksOf(pid: number | "self"): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
}

const bootId = (): string => readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();

/** A live process that has nothing to do with pipelab, killed when the file's tests end. */
function unrelatedProcess(): ChildProcess & { pid: number } {
  const child = spawn("sleep", ["600"], { stdio: "ignore" });
  after(() => child.kill("SIGKILL"));
  assert.ok(child.pid, "sleep started");
  return child as ChildProcess & { pid: number };
}

/** A pid that no process has: one of a process that has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);
}

/** A store as an older pipelab left it: the first `version` migrations, nothing after. */
function storeAtSchema(file: string, version: number): Database.Database {
  const db = new Database(file);
  db.pragma("journal_mode = WAL");
  for (const migration of MIGRATIONS.slice(0, version)) db.exec(migration);
  db.pragma(`application_id = ${APPLICATION_ID}`);
  db.pragma(`user_version = ${version}`);
  db.prepare("INSERT INTO experiments (id, name, created_at) VALUES (1, 'old', ?)").run(new Date().toISOString());
  return db;
}

/** Adds a running run owned by `pid` of this host to a store of schema 5. */
function oldRunningRun(db: Database.Database, pid: number): RunId {
  const now = new Date().toISOString();
  const info = db
    .prepare(
      `INSERT INTO runs (experiment_id, status, source_kind, started_at, heartbeat_at, host, pid, node_version, pipelab_version)
       VALUES (1, 'running', 'script', ?, ?, ?, ?, 'v20', '0.1.0')`,
    )
    .run(now, now, hostname(), pid);
  return Number(info.lastInsertRowid) as RunId;
}

/** Sets who owns a run, as a process that crashed and a stranger that got its pid would leave it. */
function setOwner(file: string, run: RunId, owner: { pid: number; startTicks: number | null; bootId: string | null; heartbeatAt?: string }): void {
  const db = new Database(file);
  db.prepare("UPDATE runs SET pid = ?, pid_start_ticks = ?, boot_id = ?, heartbeat_at = coalesce(?, heartbeat_at) WHERE id = ?").run(
    owner.pid,
    owner.startTicks,
    owner.bootId,
    owner.heartbeatAt ?? null,
    run,
  );
  db.close();
}

function statusAfterReopen(file: string, ...runs: RunId[]): string[] {
  const store = ExperimentStore.open(file);
  try {
    return runs.map((run) => store.getRun(run)?.status ?? "missing");
  } finally {
    store.close();
  }
}

const hasProc = existsSync("/proc/self/stat") && existsSync("/proc/sys/kernel/random/boot_id");
const canUnshare = spawnSync("unshare", ["-rm", "true"]).status === 0;

describe("crash detection: a run's process is its pid, start time and boot", { skip: hasProc ? false : "needs /proc" }, () => {
  it("records the start time and the boot id of the process that starts a run", () => {
    const file = join(tempDir(), "experiments.db");
    const store = ExperimentStore.open(file);
    const run = store.createRun({ experiment: "e", sourceKind: "script" });
    store.close();
    const db = new Database(file, { readonly: true });
    const row = db.prepare("SELECT pid, pid_start_ticks, boot_id FROM runs WHERE id = ?").get(run);
    db.close();
    assert.deepEqual(row, { pid: process.pid, pid_start_ticks: startTicksOf("self"), boot_id: bootId() });
  });

  it("marks crashed a run whose pid now belongs to a live process started at another time", () => {
    const stranger = unrelatedProcess();
    const file = join(tempDir(), "experiments.db");
    const store = ExperimentStore.open(file);
    const crashed = store.createRun({ experiment: "e", sourceKind: "script" });
    const owned = store.createRun({ experiment: "e", sourceKind: "script" });
    store.close();
    // The run's process died (power loss, container restart) and `sleep` got its pid.
    setOwner(file, crashed, { pid: stranger.pid, startTicks: startTicksOf(stranger.pid) - 100, bootId: bootId() });
    // The run's own process is alive: same pid, same start time.
    setOwner(file, owned, { pid: stranger.pid, startTicks: startTicksOf(stranger.pid), bootId: bootId() });
    assert.deepEqual(statusAfterReopen(file, crashed, owned), ["crashed", "running"]);
  });

  it("marks crashed a run of an earlier boot, even when a live process now has its pid and start time", () => {
    const stranger = unrelatedProcess();
    const file = join(tempDir(), "experiments.db");
    const store = ExperimentStore.open(file);
    const run = store.createRun({ experiment: "e", sourceKind: "script" });
    store.close();
    setOwner(file, run, { pid: stranger.pid, startTicks: startTicksOf(stranger.pid), bootId: "00000000-0000-0000-0000-000000000000" });
    assert.deepEqual(statusAfterReopen(file, run), ["crashed"]);
  });

  it("marks crashed a run that had this process's pid before a restart, and keeps this process's own run", () => {
    const file = join(tempDir(), "experiments.db");
    const store = ExperimentStore.open(file);
    const previous = store.createRun({ experiment: "e", sourceKind: "script" });
    const own = store.createRun({ experiment: "e", sourceKind: "script" });
    store.close();
    // A container restarted: its new process got the pid of the one that ran `previous`.
    setOwner(file, previous, { pid: process.pid, startTicks: startTicksOf("self") - 100, bootId: bootId() });
    assert.deepEqual(statusAfterReopen(file, previous, own), ["crashed", "running"]);
  });

  it("judges runs of a store written before start times (schema 5) by their pid, as before, and upgrades it", () => {
    const stranger = unrelatedProcess();
    const file = join(tempDir(), "experiments.db");
    const db = storeAtSchema(file, 5);
    const alive = oldRunningRun(db, stranger.pid);
    const gone = oldRunningRun(db, deadPid());
    db.close();
    const store = ExperimentStore.open(file);
    assert.equal(store.schemaVersion, SCHEMA_VERSION);
    assert.equal(store.getRun(alive)?.status, "running", "an old run of a live pid is left running: nothing says it is another process");
    assert.equal(store.getRun(gone)?.status, "crashed");
    store.close();
  });

  it("falls back to the heartbeat where /proc is missing: a live pid with a stale heartbeat is another process", { skip: canUnshare ? false : "needs unshare -rm" }, () => {
    const stranger = unrelatedProcess();
    const dir = tempDir();
    const file = join(dir, "experiments.db");
    const store = ExperimentStore.open(file);
    const stale = store.createRun({ experiment: "e", sourceKind: "script" });
    const fresh = store.createRun({ experiment: "e", sourceKind: "script" });
    const gone = store.createRun({ experiment: "e", sourceKind: "script" });
    store.close();
    const old = new Date(Date.now() - STALE_HEARTBEAT_MS - 60_000).toISOString();
    setOwner(file, stale, { pid: stranger.pid, startTicks: startTicksOf(stranger.pid), bootId: bootId(), heartbeatAt: old });
    setOwner(file, fresh, { pid: stranger.pid, startTicks: startTicksOf(stranger.pid), bootId: bootId() });
    setOwner(file, gone, { pid: deadPid(), startTicks: 1, bootId: bootId() });
    // The store is opened by a process that sees an empty /proc (macOS has none).
    const script = join(dir, "open.ts");
    writeFileSync(
      script,
      `import { ExperimentStore } from ${tracking};
const store = ExperimentStore.open(${JSON.stringify(file)});
console.log(JSON.stringify([${stale}, ${fresh}, ${gone}].map((id) => store.getRun(id as never)?.status)));
store.close();`,
    );
    const r = spawnSync("unshare", ["-rm", "sh", "-c", 'mount -t tmpfs tmpfs /proc && exec "$@"', "sh", process.execPath, "--import", tsx, script], {
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), ["crashed", "running", "crashed"]);
  });
});

describe("ownerIsGone: the rule, machine by machine", () => {
  const now = Date.parse("2026-12-01T12:00:00Z");
  const fresh = new Date(now - 60_000).toISOString();
  const stale = new Date(now - STALE_HEARTBEAT_MS - 1).toISOString();
  const probe = (over: Partial<ProcessProbe>): ProcessProbe => ({
    host: "here",
    bootId: "boot-1",
    startTicks: (pid) => (pid === 42 ? 1000 : "gone"),
    exists: (pid) => pid === 42,
    selfPid: 7,
    now,
    ...over,
  });
  const owner = (over: Partial<RunOwner>): RunOwner => ({ pid: 42, host: "here", startTicks: 1000, bootId: "boot-1", heartbeatAt: fresh, ...over });
  const gone = (o: Partial<RunOwner>, p: Partial<ProcessProbe> = {}): boolean => ownerIsGone(owner(o), probe(p), STALE_HEARTBEAT_MS);

  it("on this host with /proc: the same pid, start time and boot is alive, whatever the heartbeat", () => {
    assert.equal(gone({}), false);
    assert.equal(gone({ heartbeatAt: stale }), false, "a long synchronous step delays heartbeats");
    assert.equal(gone({ startTicks: 999 }), true, "another process got the pid");
    assert.equal(gone({ bootId: "boot-0" }), true, "the machine rebooted since");
    assert.equal(gone({ pid: 43 }), true, "the pid is free");
  });

  it("a pid that exists but whose /proc entry is hidden (hidepid) is judged by its heartbeat", () => {
    const hidden = { startTicks: () => "hidden" as const };
    assert.equal(gone({}, hidden), false);
    assert.equal(gone({ heartbeatAt: stale }, hidden), true);
  });

  it("a run recorded without a start time (an older store, or a machine without /proc) is judged by its pid alone", () => {
    assert.equal(gone({ startTicks: null, bootId: null, heartbeatAt: stale }), false);
    assert.equal(gone({ startTicks: null, bootId: null, pid: 43 }), true);
    assert.equal(gone({ startTicks: null, bootId: null, pid: 7 }, { exists: () => false }), false, "this process's own pid");
  });

  it("without /proc: a free pid, or a live pid with a stale heartbeat, is gone", () => {
    const noProc = { bootId: undefined, startTicks: () => "gone" as const };
    assert.equal(gone({}, noProc), false);
    assert.equal(gone({ heartbeatAt: stale }, noProc), true);
    assert.equal(gone({ pid: 43 }, noProc), true);
  });

  it("on another host: the heartbeat alone", () => {
    assert.equal(gone({ host: "there", pid: 43 }), false);
    assert.equal(gone({ host: "there", heartbeatAt: stale }), true);
  });
});

describe("ExperimentStore.open(path, { readOnly: true })", () => {
  /** A store with one finished run of three loss points, closed (so its -wal is folded in and removed). */
  function recordedStore(file: string, options: { shared?: boolean } = {}): RunId {
    const store = ExperimentStore.open(file, options);
    const run = store.createRun({ experiment: "e", sourceKind: "script", name: "first" });
    store.logMetrics(run, [1, 0.5, 0.25].map((value, step) => ({ key: "loss", value, step })));
    store.endRun(run, "finished");
    store.close();
    return run;
  }

  it("reads runs and histories, refuses every write with a TrackingError naming the store, and leaves the file untouched", () => {
    const file = join(tempDir(), "experiments.db");
    const run = recordedStore(file);
    const before = sha256(readFileSync(file));
    const store = ExperimentStore.open(file, { readOnly: true });
    assert.equal(store.readOnly, true);
    assert.deepEqual(store.listRuns().map((r) => [r.id, r.name, r.status]), [[run, "first", "finished"]]);
    assert.deepEqual(store.metricHistory(run, "loss").map((p) => p.value), [1, 0.5, 0.25]);
    const readOnlyError = (what: RegExp) => (e: unknown) =>
      e instanceof TrackingError && what.test(e.message) && e.message.includes(`the experiment store ${file} was opened read-only`);
    assert.throws(() => store.logMetric(run, "loss", 0.1, 3), readOnlyError(/^cannot log a metric point to run \d+:/));
    assert.throws(() => store.createRun({ experiment: "e", sourceKind: "script" }), readOnlyError(/^cannot start a run of experiment "e":/));
    assert.throws(() => store.setTag(run, "k", "v"), readOnlyError(/^cannot tag run \d+:/));
    assert.throws(() => store.endRun(run, "failed"), readOnlyError(/^cannot end run \d+ as failed:/));
    store.close();
    assert.equal(sha256(readFileSync(file)), before);
  });

  it("neither creates a missing store nor upgrades an old one, and says what to do", () => {
    const dir = tempDir();
    const missing = join(dir, "nothing-here.db");
    assert.throws(() => ExperimentStore.open(missing, { readOnly: true }), /no experiment store at .*nothing-here\.db: nothing has been recorded there yet/);
    assert.equal(existsSync(missing), false);
    const v1 = join(dir, "v1.db");
    copyFileSync(join(__dirname, "..", "fixtures", "stores", "v1.db"), v1);
    const before = sha256(readFileSync(v1));
    assert.throws(() => ExperimentStore.open(v1, { readOnly: true }), /has schema 1, older than .* open it once with write access/);
    assert.equal(sha256(readFileSync(v1)), before);
  });

  it("reads a store of schema 5 (the pipelab before start times) as it is, without sweeping its dead runs", () => {
    const file = join(tempDir(), "experiments.db");
    const db = storeAtSchema(file, 5);
    const run = oldRunningRun(db, deadPid());
    db.close();
    const store = ExperimentStore.open(file, { readOnly: true });
    assert.equal(store.schemaVersion, 5);
    assert.equal(store.getRun(run)?.status, "running", "the crash sweep writes, so a read-only store does not sweep");
    store.close();
  });

  const asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
  const canDropPrivileges = process.getuid?.() === 0 && spawnSync(asNobody[0] as string, [...asNobody.slice(1), "true"]).status === 0;

  /** Runs `pipelab runs ls`'s reads as a user who can read the store but not write it or its folder. */
  function readAsAnotherUser(dir: string, file: string, run: RunId): { readWrite: string; runs: unknown; history: number[]; write: string } {
    const script = join(dir, "reader.ts");
    writeFileSync(
      script,
      `import { ExperimentStore } from ${tracking};
const file = ${JSON.stringify(file)};
let readWrite = "opened";
try { ExperimentStore.open(file).close(); } catch (e) { readWrite = (e as Error).message; }
const store = ExperimentStore.open(file, { readOnly: true });
const runs = store.listRuns().map((r) => [r.id, r.status]);
const history = store.metricHistory(${run} as never, "loss").map((p) => p.value);
let write = "written";
try { store.logMetric(${run} as never, "loss", 0, 9); } catch (e) { write = (e as Error).name + ": " + (e as Error).message; }
store.close();
console.log(JSON.stringify({ readWrite, runs, history, write }));`,
    );
    chmodSync(script, 0o644);
    const r = spawnSync(asNobody[0] as string, [...asNobody.slice(1), process.execPath, "--import", tsx, script], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { readWrite: string; runs: unknown; history: number[]; write: string };
  }

  it("works for a user who can only read the store, with no process writing it", { skip: canDropPrivileges ? false : "needs root and setpriv" }, () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const file = join(dir, "experiments.db");
    const run = recordedStore(file, { shared: true });
    assert.equal(existsSync(`${file}-wal`), false, "closed: the log is folded into the file");
    const before = sha256(readFileSync(file));
    const seen = readAsAnotherUser(dir, file, run);
    assert.match(seen.readWrite, /not writable \(EACCES\)/, "opening to write is still refused");
    assert.deepEqual(seen.runs, [[run, "finished"]]);
    assert.deepEqual(seen.history, [1, 0.5, 0.25]);
    assert.match(seen.write, /^TrackingError: cannot log a metric point to run \d+: the experiment store .* was opened read-only/);
    assert.equal(sha256(readFileSync(file)), before);
    assert.equal(existsSync(`${file}-wal`), false, "nothing was created beside it");
  });

  it("works for a user who can only read the store while another process writes it, seeing its latest points", { skip: canDropPrivileges ? false : "needs root and setpriv" }, () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const file = join(dir, "experiments.db");
    const run = recordedStore(file, { shared: true });
    const writer = ExperimentStore.open(file);
    try {
      // Still in the -wal, not yet in the file.
      writer.logMetric(run, "loss", 0.125, 3);
      const seen = readAsAnotherUser(dir, file, run);
      assert.deepEqual(seen.history, [1, 0.5, 0.25, 0.125]);
      assert.match(seen.write, /opened read-only/);
    } finally {
      writer.close();
    }
  });
});

describe("a full disk while logging", { skip: canUnshare ? false : "needs unshare -rm" }, () => {
  it("says which store is full, that the points logged before are kept and what to do; they are readable afterwards", () => {
    const dir = tempDir();
    const full = join(dir, "full");
    mkdirSync(full);
    const file = join(full, "experiments.db");
    const script = join(dir, "fill.ts");
    writeFileSync(
      script,
      `import { writeFileSync } from "node:fs";
import { ExperimentStore } from ${tracking};
const file = ${JSON.stringify(file)};
const store = ExperimentStore.open(file);
const run = store.createRun({ experiment: "full", sourceKind: "script" });
let logged = 0;
let error: { name: string; message: string; cause: unknown } | undefined;
for (let batch = 0; batch < 10_000 && !error; batch++) {
  const points = Array.from({ length: 100 }, (_, i) => ({ key: "loss", value: 1 / (logged + i + 1), step: logged + i }));
  try {
    store.logMetrics(run, points);
    logged += points.length;
  } catch (e) {
    error = { name: (e as Error).name, message: (e as Error).message, cause: ((e as Error).cause as { code?: string } | undefined)?.code };
  }
}
const history = store.metricHistory(run, "loss").length;
const final = store.runDetails(run)?.metrics.loss;
store.close();
const reopened = ExperimentStore.open(file, { readOnly: true });
const afterReopen = reopened.metricHistory(run, "loss").length;
reopened.close();
writeFileSync(${JSON.stringify(join(dir, "result.json"))}, JSON.stringify({ logged, error, history, final, afterReopen }));`,
    );
    // A real full file system: a small tmpfs, mounted in a private mount namespace for the script alone.
    const r = spawnSync(
      "unshare",
      ["-rm", "sh", "-c", `mount -t tmpfs -o size=512k tmpfs ${JSON.stringify(full)} && exec "$@"`, "sh", process.execPath, "--import", tsx, script],
      { encoding: "utf8", timeout: 120_000 },
    );
    const resultFile = join(dir, "result.json");
    assert.ok(existsSync(resultFile), `the script did not finish: ${r.stderr}`);
    const result = JSON.parse(readFileSync(resultFile, "utf8")) as {
      logged: number;
      error?: { name: string; message: string; cause: string };
      history: number;
      final: number;
      afterReopen: number;
    };
    assert.ok(result.error, "the disk filled up");
    assert.equal(result.error.name, "TrackingError");
    assert.equal(result.error.cause, "SQLITE_FULL", "the SQLite error is kept as the cause");
    assert.match(
      result.error.message,
      new RegExp(`^cannot log 100 metric points to run \\d+: the disk of the experiment store ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is full \\([\\d.]+ \\w*B free; database or disk is full\\)\\.`),
    );
    assert.match(result.error.message, /What was recorded before is kept, earlier metric points included; this write was not\./);
    assert.match(result.error.message, /Free space on that disk, or move the store to a disk with room with PIPELAB_STORE=/);
    assert.ok(result.logged > 0, "some points fitted");
    assert.equal(result.history, result.logged, "every point logged before is there");
    assert.equal(result.final, 1 / result.logged, "the final value is the last point logged");
    assert.equal(result.afterReopen, result.logged, "and still there when the store is opened again");
  });
});

describe("store file modes", () => {
  const modes = (file: string): Record<string, string> =>
    Object.fromEntries(["", "-wal", "-shm"].map((suffix) => [`experiments.db${suffix}`, (statSync(file + suffix).mode & 0o777).toString(8)]));

  /** Creates a store under umask 022 and keeps it open, so that its -wal and -shm exist; returns their modes. */
  function createUnderUmask022(options: { shared?: boolean } = {}): Record<string, string> {
    const file = join(tempDir(), "experiments.db");
    const umask = process.umask(0o022);
    try {
      const store = ExperimentStore.open(file, options);
      store.logMetric(store.createRun({ experiment: "e", sourceKind: "script" }), "loss", 1);
      try {
        return modes(file);
      } finally {
        store.close();
      }
    } finally {
      process.umask(umask);
    }
  }

  const withSharedEnv = <T>(value: string | undefined, fn: () => T): T => {
    const saved = process.env.PIPELAB_SHARED;
    if (value === undefined) delete process.env.PIPELAB_SHARED;
    else process.env.PIPELAB_SHARED = value;
    try {
      return fn();
    } finally {
      if (saved === undefined) delete process.env.PIPELAB_SHARED;
      else process.env.PIPELAB_SHARED = saved;
    }
  };

  it("creates experiments.db, its -wal and -shm private to the user (0600) under umask 022", () => {
    assert.deepEqual(
      withSharedEnv(undefined, () => createUnderUmask022()),
      { "experiments.db": "600", "experiments.db-wal": "600", "experiments.db-shm": "600" },
    );
  });

  it("shares them (0666 less the umask) with PIPELAB_SHARED=1 or { shared: true }", () => {
    const shared = { "experiments.db": "644", "experiments.db-wal": "644", "experiments.db-shm": "644" };
    assert.deepEqual(withSharedEnv("1", () => createUnderUmask022()), shared);
    assert.deepEqual(withSharedEnv(undefined, () => createUnderUmask022({ shared: true })), shared);
    assert.deepEqual(withSharedEnv("1", () => createUnderUmask022({ shared: false })), { "experiments.db": "600", "experiments.db-wal": "600", "experiments.db-shm": "600" });
  });

  it("refuses a PIPELAB_SHARED it does not understand, quoting it", () => {
    assert.throws(() => withSharedEnv("yes please", () => ExperimentStore.open(join(tempDir(), "experiments.db"))), /invalid PIPELAB_SHARED: "yes please" \(use 1 /);
  });

  it("leaves the mode of an existing store alone", () => {
    const file = join(tempDir(), "experiments.db");
    ExperimentStore.open(file).close();
    chmodSync(file, 0o640);
    ExperimentStore.open(file).close();
    assert.equal((statSync(file).mode & 0o777).toString(8), "640");
  });
});
