/**
 * What every experiment store does, whatever holds it: the same tests run
 * against the SQLite file (ExperimentStore) and the PostgreSQL database
 * (PostgresStore), through RunStore alone (and what diffRuns reads), with
 * expectations computed here, never read from one store to check the other.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { seededRandom } from "../../src/ml";
import type { RunId, RunOrder, RunStore } from "../../src/tracking";

/** A store to test, and the raw SQL of what holds it (to set up what a store cannot be asked to do: a dead process's run). */
export interface StoreUnderTest {
  /** A new, empty store. */
  fresh(): RunStore;
  /** The same store opened again (as a new process would), and read-only when asked. */
  reopen(store: RunStore, options?: { readOnly?: boolean }): RunStore;
  /** Runs one SQL statement on the store's database with `?` placeholders. */
  exec(store: RunStore, sql: string, params?: unknown[]): void;
  /** Where the store is, as PIPELAB_STORE and Workbench.open({ store }) take it: a file path or a PostgreSQL URL. */
  location(store: RunStore): string;
}

const root = join(__dirname, "..", "..");
const hasProc = existsSync("/proc/self/stat") && existsSync("/proc/sys/kernel/random/boot_id");

function startTicksOf(pid: number | "self"): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
}

const bootId = (): string => readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();

/** A pipeline script that opens a workbench on `location`, logs 5 points of loss, then runs `body`. */
function script(dir: string, location: string, body: string): string {
  const file = join(dir, `s${Math.random().toString(36).slice(2)}.ts`);
  writeFileSync(
    file,
    `import { Workbench } from ${JSON.stringify(join(root, "src", "index"))};
(async () => {
  const wb = await Workbench.open({ experiment: "lifecycle", store: ${JSON.stringify(location)}, cacheDir: ${JSON.stringify(join(dir, "cache"))}, quiet: true, backend: "cpu" });
  for (let i = 0; i < 5; i++) wb.log("loss", 1 / (i + 1), i);
  ${body}
})();`,
  );
  return file;
}

export function describeRunStore(name: string, under: StoreUnderTest, options: { skip?: string | false } = {}): void {
  describe(`${name}: what every experiment store does`, { skip: options.skip ?? false }, () => {
    it("records a run's params with their types, tags, a note, and its end, once", () => {
      const store = under.fresh();
      try {
        const run = store.createRun({ experiment: "penguins", sourceKind: "script", name: "first", sourcePath: "train.ts", git: { commit: "abc", dirty: true }, tfBackend: "wasm" });
        const params = { lr: 0.01, layers: 3, model: "mlp", scaled: true, none: null, shape: [2, 3], opts: { a: 1, b: "x" }, big: 2 ** 60, tiny: 1e-300 };
        store.logParams(run, params);
        store.logParams(run, { lr: 0.02 });
        store.setTag(run, "stage", "baseline");
        store.setTag(run, "stage", "candidate");
        store.setNote(run, "first try");
        store.endRun(run, "finished");
        store.endRun(run, "failed", { error: "too late" });
        const d = store.runDetails(run);
        assert.ok(d);
        assert.deepEqual(d.params, { ...params, lr: 0.02 });
        assert.equal(typeof d.params.layers, "number");
        assert.deepEqual(d.tags, { stage: "candidate" });
        assert.equal(d.note, "first try");
        assert.equal(d.status, "finished", "a run that has ended keeps its first ending");
        assert.equal(d.error, null);
        assert.equal(d.name, "first");
        assert.equal(d.experiment, "penguins");
        assert.equal(d.gitCommit, "abc");
        assert.equal(d.gitDirty, true);
        assert.equal(d.tfBackend, "wasm");
        assert.ok(d.endedAt && Date.parse(d.endedAt) >= Date.parse(d.startedAt));
        assert.equal(store.runDetails(999_999 as RunId), undefined);
        assert.throws(() => store.setTag(999_999 as RunId, "a", "b"), /no run 999999/);
      } finally {
        store.close();
      }
    });

    it("keeps each metric's history in step order and its final value at the highest step, and refuses a bad point with nothing written", () => {
      const store = under.fresh();
      try {
        const run = store.createRun({ experiment: "e", sourceKind: "script" });
        store.logMetrics(run, [
          { key: "loss", step: 2, value: 0.5 },
          { key: "loss", step: 0, value: 1 },
          { key: "acc", value: 0.9 },
        ]);
        store.logMetrics(run, [{ key: "loss", step: 1, value: 0.7 }]);
        assert.deepEqual(
          store.metricHistory(run, "loss").map((p) => [p.step, p.value]),
          [[0, 1], [1, 0.7], [2, 0.5]],
        );
        assert.deepEqual(store.runDetails(run)?.metrics, { acc: 0.9, loss: 0.5 }, "a later batch at a lower step leaves the final value");
        assert.throws(() => store.logMetrics(run, [{ key: "loss", step: 3, value: 0.1 }, { key: "loss", step: 4, value: Number.NaN }]), /loss/);
        assert.equal(store.metricHistory(run, "loss").length, 3, "nothing of the refused batch");
        assert.ok(store.metricHistory(run, "loss").every((p) => Number.isFinite(p.tsMs) && p.tsMs > 0));
        assert.deepEqual(store.metricHistory(run, "missing"), []);
      } finally {
        store.close();
      }
    });

    it("thins a long history to about maxPoints, keeping its lowest and highest points, from batches out of order", () => {
      const store = under.fresh();
      try {
        const run = store.createRun({ experiment: "e", sourceKind: "script" });
        const rand = seededRandom(3);
        const values = Array.from({ length: 5000 }, (_, step) => ({ step, value: Math.sin(step / 100) + rand() * 0.1 }));
        values[1234] = { step: 1234, value: 50 };
        values[4321] = { step: 4321, value: -50 };
        const shuffled = [...values].sort(() => rand() - 0.5);
        for (let i = 0; i < shuffled.length; i += 700) store.logMetrics(run, shuffled.slice(i, i + 700).map((p) => ({ key: "loss", ...p })));
        const thin = store.metricHistory(run, "loss", { maxPoints: 100 });
        assert.ok(thin.length <= 110 && thin.length >= 50, `${thin.length} points`);
        assert.ok(thin.some((p) => p.step === 1234 && p.value === 50), "the highest point kept");
        assert.ok(thin.some((p) => p.step === 4321 && p.value === -50), "the lowest point kept");
        for (let i = 1; i < thin.length; i++) assert.ok((thin[i] as { step: number }).step > (thin[i - 1] as { step: number }).step, "in step order");
        assert.equal(store.metricHistory(run, "loss", { maxPoints: 10_000 }).length, 5000);
      } finally {
        store.close();
      }
    });

    it("lists runs newest first, by experiment and page, counts them, and leaves deleted runs out until restored", () => {
      const store = under.fresh();
      try {
        const ids = Array.from({ length: 7 }, (_, i) => store.createRun({ experiment: i % 2 === 0 ? "even" : "odd", sourceKind: "script", name: `r${i}` }));
        assert.deepEqual(store.listRuns().map((r) => r.id), [...ids].reverse());
        assert.deepEqual(store.listRuns({ experiment: "odd" }).map((r) => r.name), ["r5", "r3", "r1"]);
        assert.deepEqual(store.listRuns({ limit: 2, offset: 1 }).map((r) => r.name), ["r5", "r4"]);
        assert.equal(store.countRuns({ experiment: "even" }), 4);
        store.deleteRun(ids[6] as RunId);
        assert.equal(store.countRuns(), 6);
        assert.equal(store.countRuns({ includeDeleted: true }), 7);
        assert.ok(store.runDetails(ids[6] as RunId)?.deletedAt);
        store.restoreRun(ids[6] as RunId);
        assert.equal(store.countRuns(), 7);
        assert.deepEqual(store.listRuns({ ids: [ids[1] as RunId, ids[3] as RunId] }).map((r) => r.name), ["r3", "r1"]);
        assert.deepEqual(store.listRuns({ ids: [] }), []);
      } finally {
        store.close();
      }
    });

    it("selects runs with the filter language: params by type, metrics, tags, run fields, in lists, ~, not, is null", () => {
      const store = under.fresh();
      try {
        const rand = seededRandom(5);
        const known: { id: RunId; name: string; lr: number | string | undefined; acc: number | undefined; stage: string | undefined; status: string }[] = [];
        for (let i = 0; i < 60; i++) {
          const name = ["MLP-small", "mlp-large", "tree", "Forest_1"][i % 4] as string;
          const id = store.createRun({ experiment: i < 30 ? "a" : "b", sourceKind: "script", name });
          const lr = i % 5 === 0 ? undefined : i % 7 === 0 ? "auto" : Math.floor(rand() * 4) / 100;
          if (lr !== undefined) store.logParams(id, { lr });
          const acc = i % 6 === 0 ? undefined : Math.round(rand() * 100) / 100;
          if (acc !== undefined) store.logMetrics(id, [{ key: "acc", value: acc }]);
          const stage = i % 3 === 0 ? "prod" : undefined;
          if (stage) store.setTag(id, "stage", stage);
          const status = i % 4 === 0 ? "failed" : "finished";
          store.endRun(id, status as "failed" | "finished");
          known.push({ id, name, lr, acc, stage, status });
        }
        const cases: [string, (k: (typeof known)[number]) => boolean][] = [
          ["params.lr > 0.01", (k) => typeof k.lr === "number" && k.lr > 0.01],
          ["params.lr = 'auto'", (k) => k.lr === "auto"],
          ["params.lr != 0.02", (k) => k.lr !== undefined && k.lr !== 0.02],
          ["params.lr is null", (k) => k.lr === undefined],
          ["metrics.acc >= 0.5 and metrics.acc < 0.8", (k) => k.acc !== undefined && k.acc >= 0.5 && k.acc < 0.8],
          ["metrics.acc in (0.1, 0.2, 0.3) or tags.stage = 'prod'", (k) => [0.1, 0.2, 0.3].includes(k.acc ?? -1) || k.stage === "prod"],
          ["params.lr in (0, 0.03, 'auto')", (k) => k.lr === 0 || k.lr === 0.03 || k.lr === "auto"],
          ["name ~ 'mlp'", (k) => k.name.toLowerCase().includes("mlp")],
          ["name ~ '_'", (k) => k.name.includes("_")],
          ["not (status = 'failed') and experiment = 'b'", (k) => k.status !== "failed" && known.indexOf(k) >= 30],
          ["tags.stage is not null", (k) => k.stage !== undefined],
          ["status in ('failed')", (k) => k.status === "failed"],
        ];
        for (const [filter, keep] of cases) {
          const want = known.filter(keep).map((k) => k.id).sort((x, y) => y - x);
          assert.deepEqual(store.listRuns({ filter }).map((r) => r.id), want, filter);
          assert.equal(store.countRuns({ filter }), want.length, filter);
        }
        const chain = Array.from({ length: 300 }, (_, i) => `metrics.acc = ${i / 100}`).join(" or ");
        assert.equal(store.countRuns({ filter: chain }), known.filter((k) => k.acc !== undefined).length, "a long or chain");
        assert.equal(store.countRuns({ filter: { params: { lr: { gt: 0.01 } } } }), known.filter((k) => typeof k.lr === "number" && k.lr > 0.01).length, "a filter object");
        assert.throws(() => store.listRuns({ filter: "metrics.acc >" }), /filter/i);
      } finally {
        store.close();
      }
    });

    it("runs the biggest filters the limits allow: 64 levels of and / or, a chain of 1,000 conditions, a list of 10,000 values, a 64-deep not", () => {
      const store = under.fresh();
      try {
        const ids = [7, 8, 9].map((seed) => {
          const id = store.createRun({ experiment: "limits", sourceKind: "script" });
          store.logParams(id, { seed, name: `run-${seed}` });
          store.logMetrics(id, [{ key: "acc", value: seed / 10 }]);
          return id;
        });
        let deep = "params.seed = 7";
        for (let level = 0; level < 64; level++) {
          const [op, join] = level % 2 === 0 ? ["=", " or "] : ["!=", " and "];
          deep = `(${[deep, ...Array.from({ length: 15 }, (_, i) => `params.seed ${op} ${1000 + 100 * level + i}`)].join(join)})`;
        }
        assert.deepEqual(store.listRuns({ filter: deep }).map((r) => r.id), [ids[0]]);
        const chain = Array.from({ length: 1000 }, (_, i) => `params.seed = ${i}`).join(" or ");
        assert.deepEqual(store.listRuns({ filter: chain }).map((r) => r.id), [ids[2], ids[1], ids[0]]);
        const notChain = Array.from({ length: 1000 }, (_, i) => `metrics.acc != ${(i + 8) / 10}`).join(" and ");
        assert.deepEqual(store.listRuns({ filter: notChain }).map((r) => r.id), [ids[0]]);
        const values = Array.from({ length: 10_000 }, (_, i) => i + 8);
        assert.deepEqual(store.listRuns({ filter: `params.seed in (${values.join(", ")})` }).map((r) => r.id), [ids[2], ids[1]]);
        const names = Array.from({ length: 10_000 }, (_, i) => JSON.stringify(`run-${i + 9}`));
        assert.deepEqual(store.listRuns({ filter: `params.name in (${names.join(", ")})` }).map((r) => r.id), [ids[2]]);
        assert.deepEqual(store.listRuns({ filter: `${"not ".repeat(64)}params.seed = 7` }).map((r) => r.id), [ids[0]]);
        assert.deepEqual(store.listRuns({ filter: "params.seed in (7, '8')" }).map((r) => r.id), [ids[0]], "a number and a string apart");
      } finally {
        store.close();
      }
    });

    it("compares runs: params and metrics as columns, which differ, each metric's range, pages and orders", () => {
      const store = under.fresh();
      try {
        const runs: RunId[] = [];
        for (let i = 0; i < 5; i++) {
          const id = store.createRun({ experiment: "cmp", sourceKind: "script", name: `r${i}` });
          store.logParams(id, { lr: i < 3 ? 0.1 : 0.2, seed: 1 });
          store.logMetrics(id, [{ key: "acc", value: i / 10 }, ...(i === 2 ? [] : [{ key: "loss", value: 1 - i / 10 }])]);
          store.endRun(id, "finished");
          runs.push(id);
        }
        const all = store.compareRuns({ experiment: "cmp" });
        assert.equal(all.total, 5);
        assert.deepEqual(all.runs.map((r) => r.id), [...runs].reverse());
        assert.deepEqual(all.params, ["lr", "seed"]);
        assert.deepEqual(all.metrics, ["acc", "loss"]);
        assert.deepEqual(all.differing, { params: ["lr"], metrics: ["acc", "loss"] });
        assert.deepEqual(all.ranges.acc, { min: 0, max: 0.4 });
        assert.equal(all.runs[0]?.params.lr, 0.2);
        assert.equal(all.runs[2]?.metrics.loss, undefined);
        const orders: [RunOrder, string[]][] = [
          [{ metric: "loss", direction: "asc" }, ["r4", "r3", "r1", "r0", "r2"]],
          [{ param: "lr" }, ["r4", "r3", "r2", "r1", "r0"]],
          [{ field: "name", direction: "asc" }, ["r0", "r1", "r2", "r3", "r4"]],
          [{ metric: "acc", aggregate: "max" }, ["r4", "r3", "r2", "r1", "r0"]],
        ];
        for (const [orderBy, names] of orders) {
          assert.deepEqual(store.compareRuns({ experiment: "cmp", orderBy }).runs.map((r) => r.name), names, JSON.stringify(orderBy));
          assert.deepEqual(store.compareRuns({ experiment: "cmp", orderBy, limit: 2, offset: 2 }).runs.map((r) => r.name), names.slice(2, 4), `${JSON.stringify(orderBy)}, a page`);
        }
        const picked = store.compareRuns({ ids: [runs[0] as RunId, runs[4] as RunId], params: ["lr"], metrics: ["acc"] });
        assert.deepEqual(picked.runs.map((r) => Object.keys(r.metrics)), [["acc"], ["acc"]]);
        assert.deepEqual(store.compareRuns({ experiment: "cmp", params: [], metrics: [] }).runs[0]?.params, {});
        assert.equal(store.bestRun("loss", { experiment: "cmp" })?.name, "r4", "the lowest loss");
        assert.equal(store.bestRun("acc", { experiment: "cmp" })?.name, "r4");
        assert.equal(store.bestRun("acc", { experiment: "cmp", mode: "min" })?.name, "r0");
        assert.equal(store.bestRun("nothing"), undefined);
      } finally {
        store.close();
      }
    });

    it("records step executions, counts them, gives the latest key of a step in the experiment, and the keys of recent runs", () => {
      const store = under.fresh();
      try {
        const a = store.createRun({ experiment: "steps", sourceKind: "script" });
        store.recordStep(a, { step: "load", outcome: "miss", durationMs: 12.5, cacheKey: "k1", keyParts: '{"parts":1}', outputFingerprint: "f", outputBytes: 2 ** 40, reason: "new" });
        store.recordStep(a, { step: "train", outcome: "failed", durationMs: 3, cacheKey: "k2", error: "boom" });
        const b = store.createRun({ experiment: "steps", sourceKind: "script" });
        store.recordStep(b, { step: "load", outcome: "hit", tier: "disk", sourceRunId: a, durationMs: 1, cacheKey: "k1", keyParts: '{"parts":2}' });
        store.recordStep(b, { step: "train", outcome: "interrupted", durationMs: 1 });
        assert.deepEqual(store.stepExecutions(a), [
          { step: "load", outcome: "miss", durationMs: 12.5, cacheKey: "k1", outputFingerprint: "f", outputBytes: 2 ** 40, reason: "new" },
          { step: "train", outcome: "failed", durationMs: 3, cacheKey: "k2", error: "boom" },
        ]);
        assert.deepEqual(store.stepExecutions(b)[0], { step: "load", outcome: "hit", tier: "disk", sourceRunId: a, durationMs: 1, cacheKey: "k1" });
        assert.deepEqual(store.stepCounts([a, b]), new Map([[a, { computed: 1, cached: 0, failed: 1, interrupted: 0 }], [b, { computed: 0, cached: 1, failed: 0, interrupted: 1 }]]));
        assert.deepEqual(store.stepCounts([]), new Map());
        const other = store.createRun({ experiment: "elsewhere", sourceKind: "script" });
        assert.deepEqual(store.lastStepKey(other, "load"), undefined, "another experiment's keys are not compared");
        assert.deepEqual(store.lastStepKey(b, "load"), { runId: b, cacheKey: "k1", keyParts: '{"parts":2}' });
        assert.equal(store.lastStepKey(b, "train"), undefined, "a failed step cached nothing");
        assert.deepEqual(store.cacheKeysOfRecentRuns(1), new Set());
        assert.deepEqual(store.cacheKeysOfRecentRuns(3), new Set(["k1", "k2"]));
        store.recordArtifact(a, { name: "chart", kind: "chart", path: "charts/a.html" });
      } finally {
        store.close();
      }
    });

    it("marks crashed, when opened, a run of a process that is gone, and one of another host whose heartbeat is stale; keeps a live one", () => {
      const store = under.fresh();
      const dead = store.createRun({ experiment: "crash", sourceKind: "script" });
      const remoteStale = store.createRun({ experiment: "crash", sourceKind: "script" });
      const remoteFresh = store.createRun({ experiment: "crash", sourceKind: "script" });
      const mine = store.createRun({ experiment: "crash", sourceKind: "script" });
      // A pid no process has (above pid_max), and another machine's runs.
      under.exec(store, "UPDATE runs SET pid = 2147483000, pid_start_ticks = 1 WHERE id = ?", [dead]);
      under.exec(store, "UPDATE runs SET host = 'elsewhere', heartbeat_at = ? WHERE id = ?", [new Date(Date.now() - 3_600_000).toISOString(), remoteStale]);
      under.exec(store, "UPDATE runs SET host = 'elsewhere', heartbeat_at = ? WHERE id = ?", [new Date().toISOString(), remoteFresh]);
      const again = under.reopen(store);
      try {
        assert.equal(again.runDetails(dead)?.status, "crashed");
        assert.match(again.runDetails(dead)?.error ?? "", /ended without closing the run/);
        assert.equal(again.runDetails(remoteStale)?.status, "crashed");
        assert.equal(again.runDetails(remoteFresh)?.status, "running");
        assert.equal(again.runDetails(mine)?.status, "running", "this process's own run");
        again.heartbeat(mine);
        again.endRun(mine, "finished");
      } finally {
        again.close();
        store.close();
      }
    });

    it("ends a script's run as finished at exit (its points flushed), and as failed when a step throws", () => {
      const store = under.fresh();
      const dir = mkdtempSync(join(tmpdir(), "pipelab-behaviour-"));
      after(() => rmSync(dir, { recursive: true, force: true }));
      try {
        const run = (body: string) => spawnSync(process.execPath, ["--import", "tsx", script(dir, under.location(store), body)], { cwd: root, encoding: "utf8" });
        const ok = run("");
        assert.equal(ok.status, 0, ok.stderr);
        assert.notEqual(run('await wb.step("train", () => { throw new Error("diverged"); });').status, 0);
        const [failed, finished] = store.listRuns({ experiment: "lifecycle" });
        assert.equal(finished?.status, "finished");
        assert.equal(store.metricHistory(finished?.id as RunId, "loss").length, 5, "batched points are flushed at exit");
        assert.equal(failed?.status, "failed");
        assert.equal(failed?.failedStep, "train");
        assert.match(failed?.error ?? "", /diverged/);
      } finally {
        store.close();
      }
    });

    it("marks crashed, when next opened, a run whose process was killed with SIGKILL mid-run, keeping what it had flushed", async () => {
      const store = under.fresh();
      const dir = mkdtempSync(join(tmpdir(), "pipelab-behaviour-"));
      after(() => rmSync(dir, { recursive: true, force: true }));
      const child = spawn(process.execPath, ["--import", "tsx", script(dir, under.location(store), 'await wb.step("warmup", () => 1); console.log("RUN " + wb.runId); setInterval(() => {}, 1000);')], {
        cwd: root,
        stdio: ["ignore", "pipe", "inherit"],
      });
      const run = await new Promise<RunId>((done, fail) => {
        let out = "";
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const m = /RUN (\d+)/.exec(out);
          if (m) done(Number(m[1]) as RunId);
        });
        child.on("exit", (code) => fail(new Error(`the child exited early (${code})`)));
      });
      assert.equal(under.reopen(store).runDetails(run)?.status, "running", "a live run is not marked");
      child.kill("SIGKILL");
      await new Promise((done) => child.once("exit", done));
      const again = under.reopen(store);
      try {
        const details = again.runDetails(run);
        assert.equal(details?.status, "crashed");
        assert.ok(details?.endedAt);
        assert.equal(details?.metrics.loss, 0.2, "what was flushed before the kill is kept");
        assert.deepEqual(again.stepExecutions(run).map((s) => s.step), ["warmup"]);
      } finally {
        again.close();
        store.close();
      }
    });

    it("names a run's process by pid, start time and boot: a run whose pid another process got, or of an earlier boot, is crashed", { skip: hasProc ? false : "needs /proc" }, () => {
      const store = under.fresh();
      const stranger = spawn("sleep", ["600"], { stdio: "ignore" });
      try {
        const pid = stranger.pid as number;
        const reused = store.createRun({ experiment: "owners", sourceKind: "script" });
        const alive = store.createRun({ experiment: "owners", sourceKind: "script" });
        const earlierBoot = store.createRun({ experiment: "owners", sourceKind: "script" });
        const previousMe = store.createRun({ experiment: "owners", sourceKind: "script" });
        const mine = store.createRun({ experiment: "owners", sourceKind: "script" });
        const owner = "UPDATE runs SET pid = ?, pid_start_ticks = ?, boot_id = ? WHERE id = ?";
        // Its process died and `sleep` got its pid; the other's process is `sleep` itself.
        under.exec(store, owner, [pid, startTicksOf(pid) - 100, bootId(), reused]);
        under.exec(store, owner, [pid, startTicksOf(pid), bootId(), alive]);
        under.exec(store, owner, [pid, startTicksOf(pid), "00000000-0000-0000-0000-000000000000", earlierBoot]);
        // A container restarted: this process got the pid of the one that ran it.
        under.exec(store, owner, [process.pid, startTicksOf("self") - 100, bootId(), previousMe]);
        const again = under.reopen(store);
        try {
          assert.deepEqual(
            [reused, alive, earlierBoot, previousMe, mine].map((r) => again.runDetails(r)?.status),
            ["crashed", "running", "crashed", "crashed", "running"],
          );
        } finally {
          again.close();
        }
      } finally {
        stranger.kill("SIGKILL");
        store.close();
      }
    });

    it("opened read-only, reads everything and refuses every write, naming the store", () => {
      const store = under.fresh();
      const run = store.createRun({ experiment: "ro", sourceKind: "script" });
      store.logMetrics(run, [{ key: "acc", value: 1 }]);
      const ro = under.reopen(store, { readOnly: true });
      try {
        assert.equal(ro.readOnly, true);
        assert.equal(ro.runDetails(run)?.metrics.acc, 1);
        assert.throws(() => ro.createRun({ experiment: "ro", sourceKind: "script" }), (e: Error) => e.message.includes("read-only") && e.message.includes(ro.path));
        assert.throws(() => ro.logMetrics(run, [{ key: "acc", value: 2 }]), /read-only/);
        assert.throws(() => ro.setTag(run, "a", "b"), /read-only/);
      } finally {
        ro.close();
        store.close();
      }
    });

    it("refuses huge values and long names, naming them, keeping what was stored", () => {
      const store = under.fresh();
      try {
        const run = store.createRun({ experiment: "big", sourceKind: "script" });
        store.logParams(run, { ok: 1 });
        assert.throws(() => store.logParams(run, { text: "x".repeat(70_000) }), /text/);
        assert.throws(() => store.setTag(run, "t".repeat(300), "v"), /tag name/);
        assert.throws(() => store.createRun({ experiment: "", sourceKind: "script" }), /experiment name/);
        assert.deepEqual(store.runDetails(run)?.params, { ok: 1 });
      } finally {
        store.close();
      }
    });
  });
}
