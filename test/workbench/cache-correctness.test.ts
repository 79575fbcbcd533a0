import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { DiskStore, StepCache } from "../../src/cache";
import { executeSql, readParquet, sqlString } from "../../src/data";
import { evaluate, readCsv, seededRandom, trainModel } from "../../src/ml";
import { untracked } from "../../src/pipeline";
import { ExperimentStore } from "../../src/tracking";
import { sha256 } from "../../src/util";
import { Workbench } from "../../src/workbench";
import { tempDir } from "../helpers/tmp";

// Each hole through which a step could be served a value that does not match
// its code, data or variables, closed: the holes 1 (scripts), 3 to 7.
// Holes 1 to 3 in a notebook are in test/integration/cache-correctness.test.ts.

const root = join(__dirname, "..", "..");

async function bench(dir: string): Promise<{ wb: Workbench; lines: string[] }> {
  const lines: string[] = [];
  const wb = await Workbench.open({ experiment: "holes", store: join(dir, "experiments.db"), cacheDir: join(dir, "cache"), print: (l) => lines.push(l) });
  return { wb, lines };
}
const last = (lines: string[], step: string): string => [...lines].reverse().find((l) => l.startsWith(`▸ ${step}:`)) ?? "";
const warnings = (lines: string[]): string[] => lines.filter((l) => l.startsWith("⚠"));

/** Runs a TypeScript script in a child process (tsx), in `cwd`; it writes its result to result.json. */
function runScript(cwd: string, source: string, wrap?: (command: string[]) => string[]): { result: unknown; stderr: string; status: number | null } {
  const file = join(cwd, "script.ts");
  writeFileSync(file, source);
  const command = [process.execPath, "--import", "tsx", file];
  const [cmd, ...args] = wrap ? wrap(command) : command;
  const run = spawnSync(cmd as string, args, { cwd, encoding: "utf8", env: { ...process.env, PIPELAB_STORE: "", PIPELAB_CACHE_DIR: "" }, timeout: 180_000 });
  const resultFile = join(cwd, "result.json");
  return { result: existsSync(resultFile) ? (JSON.parse(readFileSync(resultFile, "utf8")) as unknown) : undefined, stderr: run.stderr, status: run.status };
}

describe("hole 1 in a script: a module edited while the script runs", () => {
  it("refuses to compute with the old code, names the module, and caches nothing", () => {
    const dir = tempDir("hole1-", { inRepo: true });
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "hole1", private: true }));
    writeFileSync(join(dir, "features.ts"), "export function ratio(x: number): number {\n  return x * 2;\n}\n");
    const { result, stderr } = runScript(
      dir,
      `import { writeFileSync } from "node:fs";
import { Workbench } from ${JSON.stringify(join(root, "src"))};
import { ratio } from "./features";
async function main(): Promise<void> {
  const wb = await Workbench.open({ experiment: "hole1", quiet: true });
  const first = await wb.step("a", () => ratio(10));
  writeFileSync("features.ts", "export function ratio(x: number): number {\\n  return x * 3;\\n}\\n");
  let error = "";
  try {
    await wb.step("a", () => ratio(10));
  } catch (e) {
    error = (e as Error).message;
  }
  wb.finish();
  writeFileSync("result.json", JSON.stringify({ first, error, cached: wb.cache.report().artifacts }));
}
void main();
`,
    );
    const r = result as { first: number; error: string; cached: number } | undefined;
    assert.ok(r, stderr);
    assert.equal(r.first, 20);
    assert.match(r.error, /step "a" was not run: features\.ts was modified after this process started, so the code running may be older than the file\. Run the script again/);
    assert.equal(r.cached, 1, "only the first execution's output is cached");
    // The next run of the script loads the edited module and computes with it.
    const again = runScript(
      dir,
      `import { writeFileSync } from "node:fs";
import { Workbench } from ${JSON.stringify(join(root, "src"))};
import { ratio } from "./features";
async function main(): Promise<void> {
  const wb = await Workbench.open({ experiment: "hole1", quiet: true });
  const a = await wb.step("a", () => ratio(10));
  wb.finish();
  writeFileSync("result.json", JSON.stringify({ a }));
}
void main();
`,
    );
    assert.deepEqual(again.result, { a: 30 }, again.stderr);
  });
});

describe("hole 1 on disk: an entry computed by other code than its key describes", () => {
  it("is deleted when read, and the step recomputes", async () => {
    const dir = tempDir();
    const key = sha256("hole1-disk");
    // An artifact whose recorded modules (the code that ran) are not the key's: what the old bug wrote.
    await new StepCache({ dir }).put(key, 20, { step: "a", runId: 1, mode: "disk", modules: { "features.ts": sha256("x * 2") } });
    const found: string[] = [];
    const fresh = new StepCache({ dir });
    assert.equal(await fresh.get(key, (m) => found.push(m), { "features.ts": sha256("x * 3") }), undefined);
    assert.match(found[0] ?? "", /was computed by another version of features\.ts than its key describes; it was deleted and the step recomputes/);
    assert.equal(fresh.where(key), undefined);
    await new StepCache({ dir }).put(key, 30, { step: "a", runId: 2, mode: "disk", modules: { "features.ts": sha256("x * 3") } });
    assert.equal((await new StepCache({ dir }).get(key, () => {}, { "features.ts": sha256("x * 3") }))?.value, 30);
  });
});

describe("hole 3: files read without files:", () => {
  it("keys a step by the CSV readCsv read, and recomputes when it changes", async () => {
    const dir = tempDir();
    const csv = join(dir, "y.csv");
    writeFileSync(csv, "a,b\n1,2\n3,4\n");
    const { wb, lines } = await bench(dir);
    const rows = () => wb.step("load", () => readCsv(csv).shape[0]);
    assert.equal(await rows(), 2);
    assert.equal(await rows(), 2);
    assert.match(last(lines, "load"), /cached \(memory/);
    writeFileSync(csv, "a,b\n1,2\n3,4\n5,6\n");
    const plan = await wb.plan();
    assert.equal(plan[0]?.state, "stale");
    assert.match(plan[0]?.reasons[0] ?? "", /^file .*y\.csv changed$/);
    assert.equal(await rows(), 3);
    assert.match(last(lines, "load"), /computed in .* \(file .*y\.csv changed\)/);
    const recorded = wb.store.stepExecutions(wb.runId).at(-1);
    assert.match(recorded?.reason ?? "", /file .*y\.csv changed/);
    assert.deepEqual(warnings(lines), []);
    wb.finish();
  });

  it("keys a step by the Parquet files readParquet read (by their fingerprint), served from the cache until one changes", async () => {
    const dir = tempDir();
    const file = join(dir, "t.parquet");
    const write = async (rows: number) => executeSql(`COPY (SELECT range AS a, range * 2 AS b FROM range(${rows})) TO ${sqlString(file)} (FORMAT parquet)`);
    await write(5);
    const { wb, lines } = await bench(dir);
    const rows = () => wb.step("load", async () => (await readParquet(file)).rows);
    assert.equal(await rows(), 5);
    assert.equal(await rows(), 5);
    assert.match(last(lines, "load"), /cached \(memory/, "a Parquet fingerprint is compared by its own rule, not as a whole-file hash");
    await write(7);
    assert.equal(await rows(), 7);
    assert.match(last(lines, "load"), /computed in .* \(file .*t\.parquet changed\)/);
    wb.finish();
  });

  it("serves no stale value from disk after the file changed in between", () => {
    const dir = tempDir("hole3-", { inRepo: true });
    const file = join(dir, "notes.txt");
    const script = `import { writeFileSync } from "node:fs";
import { Workbench, readTrackedFile } from ${JSON.stringify(join(root, "src"))};
async function main(): Promise<void> {
  const lines: string[] = [];
  const wb = await Workbench.open({ experiment: "holes", store: "experiments.db", cacheDir: "cache", print: (l) => lines.push(l) });
  const value = await wb.step("read", () => readTrackedFile(${JSON.stringify(file)}).toString("utf8"));
  wb.finish();
  writeFileSync("result.json", JSON.stringify({ value, line: lines.find((l) => l.startsWith("▸ read")) }));
}
void main();
`;
    writeFileSync(file, "one");
    const first = runScript(dir, script);
    assert.equal((first.result as { value: string } | undefined)?.value, "one", first.stderr);
    // A new process each time: nothing in memory, the artifact on disk says which file it was read from.
    const cached = runScript(dir, script).result as { value: string; line: string };
    assert.equal(cached.value, "one");
    assert.match(cached.line, /cached \(disk/);
    writeFileSync(file, "two");
    const after = runScript(dir, script).result as { value: string; line: string };
    assert.equal(after.value, "two");
    assert.match(after.line, /computed in .* \(file .*notes\.txt changed\)/);
  });

  it("warns, naming the path and files:, when a step reads a file another way", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "raw.txt"), "x");
    const { wb, lines } = await bench(dir);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      await wb.step("fsread", () => readFileSync("raw.txt", "utf8").length);
      assert.match(warnings(lines)[0] ?? "", /step "fsread" names the file raw\.txt but did not read it through pipelab's readers.*files: \["raw\.txt"\]/);
      lines.length = 0;
      await wb.step("declared", () => readFileSync("raw.txt", "utf8").length, { files: [join(dir, "raw.txt")] });
      assert.deepEqual(warnings(lines), [], "a declared file needs no warning");
    } finally {
      process.chdir(cwd);
      wb.finish();
    }
  });
});

describe("hole 4: every byte read back from an artifact is checked", () => {
  it("detects a flipped byte in a logged metric of the header, deletes the artifact and misses", async () => {
    const dir = tempDir();
    const key = sha256("hole4");
    await new StepCache({ dir }).put(key, [1, 2, 3], { step: "evaluate", runId: 1, mode: "disk", logged: [{ key: "test_accuracy", value: 0.75, step: 0 }] });
    const file = new DiskStore(dir).fileOf(key);
    const bytes = readFileSync(file);
    const at = bytes.indexOf("0.75");
    assert.ok(at > 0, "the metric is in the header");
    bytes.write("0.65", at);
    writeFileSync(file, bytes);
    const found: string[] = [];
    assert.equal(await new StepCache({ dir }).get(key, (m) => found.push(m)), undefined);
    assert.match(found[0] ?? "", /corrupted \(header checksum mismatch\); it was deleted and the step recomputes/);
    assert.equal(existsSync(file), false);
  });

  it("through the workbench: the step recomputes and its run gets the true metric", async () => {
    const dir = tempDir("hole4-", { inRepo: true });
    const first = await bench(dir);
    const evaluateStep = (wb: Workbench) => wb.step("evaluate", () => (wb.log("test_accuracy", 0.75), { ok: true }));
    await evaluateStep(first.wb);
    first.wb.finish();
    const artifacts = new StepCache({ dir: join(dir, "cache") }).report().artifacts;
    assert.equal(artifacts, 1);
    const fan = join(dir, "cache", "v2");
    const file = readdirSync(fan).flatMap((f) => readdirSync(join(fan, f)).map((n) => join(fan, f, n)))[0] as string;
    const bytes = readFileSync(file);
    bytes.write("0.65", bytes.indexOf("0.75"));
    writeFileSync(file, bytes);
    const { result, stderr } = runScript(
      dir,
      `import { writeFileSync } from "node:fs";
import { Workbench } from ${JSON.stringify(join(root, "src"))};
async function main(): Promise<void> {
  const lines: string[] = [];
  const wb = await Workbench.open({ experiment: "holes", store: "experiments.db", cacheDir: "cache", print: (l) => lines.push(l) });
  await wb.step("evaluate", () => (wb.log("test_accuracy", 0.75), { ok: true }));
  wb.finish();
  writeFileSync("result.json", JSON.stringify({ lines, run: wb.runId }));
}
void main();
`,
    );
    const r = result as { lines: string[]; run: number } | undefined;
    assert.ok(r, stderr);
    assert.match(r.lines.join("\n"), /header checksum mismatch/);
    assert.match(r.lines.find((l) => l.startsWith("▸ evaluate")) ?? "", /computed/);
    const store = ExperimentStore.open(join(dir, "experiments.db"));
    try {
      assert.equal(store.runDetails(r.run as never)?.metrics.test_accuracy, 0.75);
    } finally {
      store.close();
    }
  });
});

describe("hole 5: a full disk while caching", () => {
  it("keeps the computed value, warns naming the step, the folder and the free space, and records the run", () => {
    const dir = tempDir("hole5-", { inRepo: true });
    const full = join(dir, "full");
    mkdirSync(full);
    // A real full file system: a 256 KiB tmpfs, mounted in a private mount namespace for the script alone.
    const { result, stderr } = runScript(
      dir,
      `import { writeFileSync } from "node:fs";
import { Workbench, untracked } from ${JSON.stringify(join(root, "src"))};
async function main(): Promise<void> {
  const lines: string[] = [];
  const wb = await Workbench.open({ experiment: "full", store: "experiments.db", cacheDir: ${JSON.stringify(join(full, "cache"))}, print: (l) => lines.push(l) });
  const calls = untracked({ n: 0 });
  const big = () => wb.step("train", () => (calls.n++, Array.from({ length: 100_000 }, (_, i) => i * 0.5)));
  const first = await big();
  const second = await big();
  const executions = wb.store.stepExecutions(wb.runId).map((e) => e.outcome);
  wb.finish();
  writeFileSync("result.json", JSON.stringify({ length: first.length, same: first === second, calls: calls.n, lines, executions }));
}
void main();
`,
      (command) => ["unshare", "-rm", "sh", "-c", `mount -t tmpfs -o size=256k tmpfs ${JSON.stringify(full)} && exec "$@"`, "sh", ...command],
    );
    const r = result as { length: number; same: boolean; calls: number; lines: string[]; executions: string[] } | undefined;
    assert.ok(r, `the script did not finish: ${stderr}`);
    assert.equal(r.length, 100_000, "the value was returned");
    const warning = r.lines.find((l) => l.startsWith("⚠")) ?? "";
    assert.match(warning, /step "train": its output could not be written to the cache folder .*full\/cache \(ENOSPC; [\d.]+ \w*B free\)\. It is kept in memory for this process only/);
    assert.ok(r.same, "the second execution is served from memory");
    assert.deepEqual(r.executions, ["miss", "hit"]);
    assert.equal(r.calls, 1);
  });
});

describe("hole 6: two steps writing the same metrics in one run", () => {
  it("warns, naming both steps and the prefix to give one of them", async () => {
    const { wb, lines } = await bench(tempDir());
    const r = seededRandom(1);
    const x = Array.from({ length: 60 }, (_, i) => [i % 2 === 0 ? r() : 2 + r(), r()]);
    const y = x.map((_, i) => (i % 2 === 0 ? "a" : "b"));
    const model = await wb.step("train", () => trainModel({ x, y }, { task: "classification", hidden: [], epochs: 2, seed: 1, progress: false }));
    await wb.step("evaluate", { model }, ({ model }) => evaluate(model, x, y));
    assert.deepEqual(warnings(lines), []);
    await wb.step("evaluate-again", { model }, ({ model }) => evaluate(model, x.slice(0, 30), y.slice(0, 30)));
    const warning = warnings(lines).join("\n");
    assert.match(warning, /steps "evaluate" and "evaluate-again" both log test_accuracy, .* in this run: the values of "evaluate-again" replace those of "evaluate"/);
    assert.match(warning, /evaluate\(model, x, y, \{ prefix: "evaluate-again_test_" \}\)/);
    lines.length = 0;
    await wb.step("evaluate-again", { model }, ({ model }) => evaluate(model, x.slice(0, 30), y.slice(0, 30)));
    assert.deepEqual(warnings(lines), [], "said once per pair of steps");
    wb.finish();
  });
});

describe("hole 7: no false warnings, no leftovers", () => {
  it("a step that logs through wb and uses a class of the script gets no warning, and is cached", async () => {
    const { wb, lines } = await bench(tempDir());
    class Doubler {
      constructor(readonly v: number) {}
      twice(): number {
        return this.v * 2;
      }
    }
    const calls = untracked({ n: 0 });
    const run = () => wb.step("d", () => (calls.n++, wb.log("m", 1), new Doubler(3).twice()));
    assert.equal(await run(), 6);
    assert.equal(await run(), 6);
    assert.equal(calls.n, 1);
    assert.deepEqual(warnings(lines), []);
    wb.finish();
  });

  it("removes temporary files of dead writers and old layouts, counts them before", () => {
    const dir = tempDir();
    const key = sha256("left");
    const store = new DiskStore(dir);
    const payload = Buffer.from("x");
    store.write(DiskStore.header(key, payload, { step: "s", runId: 1 }), payload);
    const fan = join(store.dir, key.slice(0, 2));
    const orphan = join(fan, `.${key}.art.4242.abcd1234.tmp`);
    const live = join(fan, `.${key}.art.4343.abcd1234.tmp`);
    writeFileSync(orphan, Buffer.alloc(1000));
    writeFileSync(live, Buffer.alloc(10));
    const hourAgo = new Date(Date.now() - 3600_000);
    utimesSync(orphan, hourAgo, hourAgo);
    mkdirSync(join(dir, "v1", "ab"), { recursive: true });
    writeFileSync(join(dir, "v1", "ab", "old.art"), Buffer.alloc(500));
    const report = new StepCache({ dir }).report();
    assert.equal(existsSync(orphan), false, "opening the cache removes a dead writer's temporary file");
    assert.equal(existsSync(live), true, "a recent one may belong to a live writer");
    assert.deepEqual(report.leftovers, { files: 1, bytes: 500 }, "the old layout is counted");
    const pruned = new StepCache({ dir }).prune({ keep: new Set([key]) });
    assert.equal(pruned.kept, 1);
    assert.equal(existsSync(join(dir, "v1")), false);
    writeFileSync(orphan, Buffer.alloc(1000));
    utimesSync(orphan, hourAgo, hourAgo);
    assert.equal(new DiskStore(dir).leftovers().orphans.length, 1);
    new StepCache({ dir: join(dir, "elsewhere") }).prune({ keep: new Set() });
    assert.equal(existsSync(orphan), true, "another cache's prune leaves this one alone");
    new StepCache({ dir }).prune({ keep: new Set([key]) });
    assert.equal(existsSync(orphan), false);
  });
});
