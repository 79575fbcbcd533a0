/**
 * Benchmark of model training (src/ml/models) on every TensorFlow.js backend
 * available, and of danfo data frames on 1,000,000 rows (src/ml/prep), in one
 * run.
 *
 * 1. MLP training speed per backend. A fixed synthetic classification set:
 *    TRAIN_ROWS = 20,000 rows x 64 features, 4 classes (Gaussian blobs: each
 *    class has a center drawn uniformly in [-1, 1]^64, rows are center + N(0,
 *    1.5^2) noise, labels in turn), all from seededRandom. An MLP 64 -> 128
 *    (relu) -> 128 (relu) -> 4 (softmax), Adam, batch size 128, trained with
 *    pipelab's trainModel. A backend is chosen once per process, so each one
 *    runs in a child process of this benchmark (`--worker train`) with
 *    PIPELAB_TF_BACKEND set: wasm, then cpu, then tensorflow only if tfjs-node
 *    is installed (else it is reported as unavailable, with why). The worker
 *    runs trainModel inside a step context of its own (src/run-context), which
 *    trainModel logs each epoch to: the time of each epoch's log call marks the
 *    end of that epoch. Epoch 1 runs from the creation of the progress display
 *    (after the input's conversion to a matrix, before the tensors are uploaded
 *    and the model is built) to its log, and is reported as the warm-up; each
 *    later epoch is one timed sample (3 on wasm and tensorflow; the cpu
 *    backend, much slower, gets 2). GFLOP/s counts training FLOPs per epoch
 *    as 3 x the forward FLOPs, forward = 2 x sum over dense layers of
 *    (inputs x outputs) per row, times the rows (biases, activations,
 *    softmax, loss and the optimizer's updates are not counted). `cpuUtilization` is the worker's CPU time (user +
 *    system) over the wall time of the timed epochs: above 1 means more than
 *    one core worked. After training, each worker also times tf.matMul alone
 *    on the products one batch does (per layer: forward x·W, kernel gradient
 *    x^T·dy, input gradient dy·W^T), plus a 512^3 product for reference, and
 *    estimates their share of an epoch (the sum per batch x rows / batch
 *    size, over the measured seconds per epoch).
 * 2. danfo on CSV_ROWS = 1,000,000 rows. A seeded CSV (id, category with 10
 *    values, two float columns, one int column) is written to a temporary
 *    folder; then, each in a child process of its own (`--worker csv`) so
 *    that its peak RSS is its own: loading it with pipelab's readCsv, and with
 *    danfo's own readCSV (papaparse, a local file: no network), then a
 *    groupby on the category with the mean of a float column and, separately,
 *    the count. The group means and counts of both readers are checked
 *    against the values the writer computed. Peak RSS is
 *    process.resourceUsage().maxRSS of the worker: after its imports, after
 *    the loads (one frame alive at a time: the previous sample's is collected
 *    first), and at the end (groupbys included).
 * 3. The machine: Node version, CPU count and model.
 *
 * Every timing is the median of its samples (listed), taken after warm-ups.
 * A full garbage collection (outside the timing) precedes each CSV load and
 * groupby sample, and the trainModel call; epochs run back to back inside
 * trainModel, and the matMul samples follow each other without one.
 * Files live in a temporary folder under os.tmpdir(), removed at the end.
 *
 * Run from the repository root:
 *   node --import tsx bench/train.ts
 *   npm run --silent bench -- train
 * One JSON object goes to stdout; progress lines (the workers' too) go to
 * stderr. "MB" is 2^20 bytes; "GFLOP" is 10^9 floating-point operations.
 */
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import type * as TF from "@tensorflow/tfjs";
import * as dfd from "danfojs-node";
import { type BackendName, BACKEND_ENV, initBackend, readCsv, seededRandom, trainModel } from "../src/ml";
import { type LoggedPoint, type ProgressSink, type StepContext, withStepContext } from "../src/run-context";
import { collectGarbage, machineInfo, median, progressFor, round, sample } from "./lib";

// Training
const TRAIN_ROWS = 20_000;
const FEATURES = 64;
const CLASSES = 4;
const HIDDEN = [128, 128] as const;
const BATCH_SIZE = 128;
const NOISE = 1.5;
const SEED = 7;
/** Epochs per backend: the first is the warm-up, the others are timed. */
const EPOCHS: Record<BackendName, number> = { tensorflow: 4, wasm: 4, cpu: 3 };
const BACKENDS: readonly BackendName[] = ["wasm", "cpu", "tensorflow"];

// danfo
const CSV_ROWS = 1_000_000;
const CATEGORIES = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett"] as const;
const CSV_RUNS = 3;
const CSV_WARMUPS = 1;

const MB = 1024 * 1024;
const REPO = resolve(__dirname, "..");

// ---------------------------------------------------------------------------
// Shared helpers

/** Peak resident set size of this process so far, in MB (maxRSS is in KiB). */
function peakRssMB(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs this file as a worker child process; resolves with the JSON it prints. */
function runWorker(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<unknown> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["--import", "tsx", __filename, "--worker", ...args], {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.on("error", fail);
    child.on("close", (code, signal) => {
      const text = Buffer.concat(chunks).toString("utf8");
      if (code !== 0) {
        fail(new Error(`the worker (${args.join(" ")}) exited with ${signal ?? `code ${code}`}${text ? `: ${text.slice(0, 500)}` : ""}`));
        return;
      }
      try {
        done(JSON.parse(text) as unknown);
      } catch (error) {
        fail(new Error(`the worker (${args.join(" ")}) printed no JSON (${messageOf(error)}): ${text.slice(0, 500)}`));
      }
    });
  });
}

// ---------------------------------------------------------------------------
// 1. Training

/** Dense layers as [inputs, outputs]. */
const SIZES: readonly number[] = [FEATURES, ...HIDDEN, CLASSES];
const LAYERS: [number, number][] = SIZES.slice(1).map((out, i) => [SIZES[i] as number, out]);
const FORWARD_FLOPS_PER_ROW = 2 * LAYERS.reduce((sum, [i, o]) => sum + i * o, 0);
const TRAIN_FLOPS_PER_EPOCH = 3 * FORWARD_FLOPS_PER_ROW * TRAIN_ROWS;

/** The synthetic set: TRAIN_ROWS rows of FEATURES numbers, CLASSES Gaussian blobs, labels in turn. */
function syntheticSet(): { x: number[][]; y: number[] } {
  const random = seededRandom(SEED);
  const gaussian = (): number => {
    const u = 1 - random(); // (0, 1]: log(u) is finite
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  const centers = Array.from({ length: CLASSES }, () => Array.from({ length: FEATURES }, () => random() * 2 - 1));
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < TRAIN_ROWS; i++) {
    const label = i % CLASSES;
    const center = centers[label] as number[];
    x.push(center.map((c) => c + NOISE * gaussian()));
    y.push(label);
  }
  return { x, y };
}

/** One matrix product of the training's shapes, timed alone on the worker's backend. */
interface MatMulProbe {
  op: string;
  /** [m, k, n]: an m x k matrix times a k x n one. */
  mkn: [number, number, number];
  transposeA: boolean;
  transposeB: boolean;
  ms: number;
  gflopsPerS: number;
  samples: number[];
}

/**
 * Times tf.matMul alone for the products a training batch does: per dense
 * layer (inputs -> outputs, batch b) the forward x[b,in]·W[in,out], the kernel
 * gradient x^T·dy (transposeA) and the input gradient dy·W^T (transposeB; not
 * for the first layer, whose input needs no gradient); and a 512^3 product
 * for reference. Each sample repeats the product until about 20 ms have
 * passed and reads the last result back.
 */
async function probeMatMul(progress: (line: string) => void): Promise<{ probes: MatMulProbe[]; estimatedMsPerEpoch: number }> {
  const tf = require("@tensorflow/tfjs") as typeof TF;
  const b = BATCH_SIZE;
  const cases: { op: string; a: [number, number]; w: [number, number]; ta: boolean; tb: boolean; perBatch: boolean }[] = [];
  LAYERS.forEach(([i, o], l) => {
    cases.push({ op: `layer ${l + 1} forward x·W`, a: [b, i], w: [i, o], ta: false, tb: false, perBatch: true });
    cases.push({ op: `layer ${l + 1} kernel gradient x^T·dy`, a: [b, i], w: [b, o], ta: true, tb: false, perBatch: true });
    if (l > 0) cases.push({ op: `layer ${l + 1} input gradient dy·W^T`, a: [b, o], w: [i, o], ta: false, tb: true, perBatch: true });
  });
  cases.push({ op: "reference 512^3", a: [512, 512], w: [512, 512], ta: false, tb: false, perBatch: false });
  const probes: MatMulProbe[] = [];
  let perBatchMs = 0;
  for (const c of cases) {
    const random = seededRandom(SEED);
    const make = (shape: [number, number]): TF.Tensor2D => tf.tensor2d(Float32Array.from({ length: shape[0] * shape[1] }, () => random() - 0.5), shape);
    const a = make(c.a);
    const w = make(c.w);
    const m = c.ta ? c.a[1] : c.a[0];
    const k = c.ta ? c.a[0] : c.a[1];
    const n = c.tb ? c.w[0] : c.w[1];
    const once = async (reps: number): Promise<number> => {
      const started = performance.now();
      for (let r = 0; r < reps; r++) {
        const out = tf.matMul(a, w, c.ta, c.tb);
        if (r === reps - 1) await out.data();
        out.dispose();
      }
      return (performance.now() - started) / reps;
    };
    const reps = Math.max(1, Math.ceil(20 / Math.max(await once(1), 1e-3)));
    const samples = await sample(() => once(reps), 5, 1, false);
    tf.dispose([a, w]);
    const ms = median(samples);
    if (c.perBatch) perBatchMs += ms;
    probes.push({ op: c.op, mkn: [m, k, n], transposeA: c.ta, transposeB: c.tb, ms, gflopsPerS: Math.round(((2 * m * k * n) / ms / 1e6) * 100) / 100, samples });
    progress(`matMul ${c.op} [${m}x${k}]·[${k}x${n}]: ${ms} ms`);
  }
  return { probes, estimatedMsPerEpoch: round(perBatchMs * (TRAIN_ROWS / BATCH_SIZE)) };
}

interface TrainWorkerResult {
  requested: BackendName;
  backend: string;
  backendName: BackendName;
  wasm?: { simd: boolean; multithread: boolean };
  epochs: number;
  timedEpochs: number;
  /** Input conversion to a matrix, before the progress display is created (not part of any epoch). */
  inputConversionS: number;
  /** Epoch 1, with the tensors' upload and the model's build. */
  warmupEpochS: number;
  secondsPerEpoch: number;
  gflopsPerS: number;
  cpuUtilization: number;
  trainModelTotalS: number;
  history: Record<string, number>[];
  peakRssMB: number;
  /** tf.matMul alone, on the shapes of a batch; its per-epoch estimate (per-batch products x rows / batch size) and share of an epoch. */
  matMul: { estimatedSPerEpoch: number; shareOfEpoch: number; probes: MatMulProbe[] };
  samples: { epochS: number[]; cpuUtilization: number[] };
}

async function trainWorker(): Promise<TrainWorkerResult> {
  const requested = process.env[BACKEND_ENV] as BackendName;
  const progress = progressFor(`train:${requested}`);
  const info = await initBackend();
  if (info.name !== requested) throw new Error(`${BACKEND_ENV}=${requested} gave the ${info.name} backend instead`);
  let wasm: TrainWorkerResult["wasm"];
  if (info.name === "wasm") {
    const tf = require("@tensorflow/tfjs") as typeof TF;
    wasm = { simd: (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true, multithread: (await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT")) === true };
  }
  progress(`backend ${info.description}; building the data set (${TRAIN_ROWS} x ${FEATURES}, ${CLASSES} classes)`);
  const data = syntheticSet();
  const epochs = EPOCHS[info.name];

  // Marks: [wall ms, cpu µs] when the progress display is created, then at each epoch's log.
  const marks: { wall: number; cpu: number }[] = [];
  const mark = (): void => {
    const cpu = process.cpuUsage();
    marks.push({ wall: performance.now(), cpu: cpu.user + cpu.system });
  };
  const sink: ProgressSink = { update: (text) => progress(text), done: (text) => progress(`done: ${text ?? ""}`) };
  const context: StepContext = {
    step: "bench-train",
    log(points: readonly LoggedPoint[]) {
      mark();
      if (points.length === 0) throw new Error("trainModel logged an epoch without points");
    },
    fileRead() {
      // the benchmark reads no files inside its step
    },
    progress() {
      mark();
      return sink;
    },
  };

  collectGarbage();
  progress(`training ${epochs} epochs (1 warm-up)`);
  const started = performance.now();
  const trained = await withStepContext(context, () =>
    trainModel({ x: data.x, y: data.y }, { task: "classification", hidden: HIDDEN, activation: "relu", batchSize: BATCH_SIZE, epochs, seed: SEED }),
  );
  const total = performance.now() - started;
  trained.model.dispose();
  if (marks.length !== epochs + 1) throw new Error(`expected ${epochs + 1} time marks (display + one per epoch), got ${marks.length}`);

  const epochS: number[] = [];
  const utilization: number[] = [];
  for (let e = 2; e <= epochs; e++) {
    const a = marks[e - 1] as { wall: number; cpu: number };
    const b = marks[e] as { wall: number; cpu: number };
    epochS.push(round((b.wall - a.wall) / 1000));
    utilization.push(Math.round(((b.cpu - a.cpu) / 1000 / (b.wall - a.wall)) * 100) / 100);
  }
  const first = marks[0] as { wall: number };
  const secondsPerEpoch = median(epochS);
  const rss = peakRssMB();
  progress("timing tf.matMul alone on the shapes of a batch");
  const probe = await probeMatMul(progress);
  return {
    requested,
    backend: info.description,
    backendName: info.name,
    ...(wasm ? { wasm } : {}),
    epochs,
    timedEpochs: epochs - 1,
    inputConversionS: round((first.wall - started) / 1000),
    warmupEpochS: round(((marks[1] as { wall: number }).wall - first.wall) / 1000),
    secondsPerEpoch,
    gflopsPerS: Math.round((TRAIN_FLOPS_PER_EPOCH / secondsPerEpoch / 1e9) * 100) / 100,
    cpuUtilization: median(utilization),
    trainModelTotalS: round(total / 1000),
    history: trained.history.map((h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, k === "epoch" ? v : Math.round(v * 1e4) / 1e4]))),
    peakRssMB: rss,
    matMul: {
      estimatedSPerEpoch: round(probe.estimatedMsPerEpoch / 1000),
      shareOfEpoch: Math.round((probe.estimatedMsPerEpoch / 1000 / secondsPerEpoch) * 100) / 100,
      probes: probe.probes,
    },
    samples: { epochS, cpuUtilization: utilization },
  };
}

/** Whether native tfjs-node is installed, as src/ml/backend.ts looks for it (danfo's override under that name is plain tfjs). */
function tfjsNodeStatus(): { installed: boolean; reason: string } {
  const seen: string[] = [];
  for (const pkg of ["tfjs-node-native", "@tensorflow/tfjs-node"]) {
    let manifest: { name?: string; version?: string };
    try {
      manifest = require(require.resolve(`${pkg}/package.json`, { paths: [REPO] })) as { name?: string; version?: string };
    } catch {
      seen.push(`${pkg}: not installed`);
      continue;
    }
    if (manifest.name === "@tensorflow/tfjs-node") return { installed: true, reason: `${pkg} is @tensorflow/tfjs-node ${manifest.version ?? "?"}` };
    seen.push(`${pkg}: is ${manifest.name ?? "?"} ${manifest.version ?? "?"} (danfo's override), not native`);
  }
  return { installed: false, reason: `tfjs-node is not installed (${seen.join("; ")}); its install downloads libtensorflow, which needs internet` };
}

async function measureTraining(): Promise<Record<string, unknown>> {
  const progress = progressFor("train");
  const results: Record<string, unknown> = {};
  for (const backend of BACKENDS) {
    if (backend === "tensorflow") {
      const status = tfjsNodeStatus();
      if (!status.installed) {
        progress(`tensorflow: unavailable: ${status.reason}`);
        results[backend] = { available: false, reason: status.reason };
        continue;
      }
    }
    progress(`${backend}: starting a worker process`);
    try {
      const result = (await runWorker(["train"], { [BACKEND_ENV]: backend })) as TrainWorkerResult;
      results[backend] = { available: true, ...result };
    } catch (error) {
      progress(`${backend}: failed: ${messageOf(error)}`);
      results[backend] = { available: false, reason: messageOf(error) };
    }
  }
  return results;
}

// ---------------------------------------------------------------------------
// 2. danfo on 1,000,000 rows

interface GroupStats {
  count: number;
  xMean: number;
}

/** Writes the CSV; returns the groups' count and mean of x, computed from the written text. */
function writeCsv(file: string): Record<string, GroupStats> {
  const random = seededRandom(SEED + 1);
  const sums = new Map<string, { n: number; sum: number }>(CATEGORIES.map((c) => [c, { n: 0, sum: 0 }]));
  const fd = openSync(file, "w");
  try {
    writeSync(fd, "id,category,x,y,n\n");
    const CHUNK = 50_000;
    for (let start = 0; start < CSV_ROWS; start += CHUNK) {
      const lines: string[] = [];
      for (let id = start; id < Math.min(start + CHUNK, CSV_ROWS); id++) {
        const category = CATEGORIES[Math.floor(random() * CATEGORIES.length)] as string;
        const index = CATEGORIES.indexOf(category as (typeof CATEGORIES)[number]);
        const x = ((random() + random() + random() - 1.5) * 10 + index).toFixed(4);
        const y = (random() * 1000).toFixed(2);
        const n = Math.floor(random() * 1000);
        lines.push(`${id},${category},${x},${y},${n}\n`);
        const s = sums.get(category) as { n: number; sum: number };
        s.n++;
        s.sum += Number(x);
      }
      writeSync(fd, lines.join(""));
    }
  } finally {
    closeSync(fd);
  }
  return Object.fromEntries([...sums].map(([c, s]) => [c, { count: s.n, xMean: s.sum / s.n }]));
}

/** A groupby result (columns category and one value column) as category -> value. */
function groupValues(df: dfd.DataFrame, column: string): Record<string, number> {
  const categories = df.column("category").values as string[];
  const values = df.column(column).values as number[];
  return Object.fromEntries(categories.map((c, i) => [c, values[i] as number]));
}

interface CsvWorkerResult {
  reader: string;
  shape: number[];
  dtypes: Record<string, string>;
  loadMs: number;
  loadRowsPerS: number;
  groupbyMeanMs: number;
  groupbyCountMs: number;
  groups: Record<string, GroupStats>;
  peakRssMBAfterImports: number;
  peakRssMBAfterLoads: number;
  peakRssMB: number;
  samples: Record<string, number[]>;
}

async function csvWorker(reader: string, file: string): Promise<CsvWorkerResult> {
  const progress = progressFor(`train:csv:${reader}`);
  const rssAfterImports = peakRssMB();
  const load = async (): Promise<dfd.DataFrame> => {
    if (reader === "pipelab.readCsv") return readCsv(file);
    if (reader === "danfo.readCSV") return dfd.readCSV(file);
    throw new Error(`unknown reader ${reader}`);
  };
  progress(`loading ${file} (${CSV_WARMUPS} warm-up + ${CSV_RUNS} samples)`);
  let frame: dfd.DataFrame | undefined;
  const loadSamples = await sample(
    async () => {
      frame = undefined;
      collectGarbage(); // the previous sample's frame, outside the timing
      const started = performance.now();
      const df = await load();
      const ms = performance.now() - started;
      frame = df;
      return ms;
    },
    CSV_RUNS,
    CSV_WARMUPS,
  );
  const df = frame as dfd.DataFrame;
  const rssAfterLoads = peakRssMB();
  if (df.shape[0] !== CSV_ROWS) throw new Error(`${reader} read ${df.shape[0]} rows, expected ${CSV_ROWS}`);

  progress("groupby(category).col([x]).mean()");
  let means: Record<string, number> = {};
  const meanSamples = await sample(
    () => {
      const started = performance.now();
      const out = df.groupby(["category"]).col(["x"]).mean();
      const ms = performance.now() - started;
      means = groupValues(out, "x_mean");
      return ms;
    },
    CSV_RUNS,
    CSV_WARMUPS,
  );
  progress("groupby(category).col([x]).count()");
  let counts: Record<string, number> = {};
  const countSamples = await sample(
    () => {
      const started = performance.now();
      const out = df.groupby(["category"]).col(["x"]).count();
      const ms = performance.now() - started;
      counts = groupValues(out, "x_count");
      return ms;
    },
    CSV_RUNS,
    CSV_WARMUPS,
  );
  const loadMs = median(loadSamples);
  return {
    reader,
    shape: [...df.shape],
    dtypes: Object.fromEntries(df.columns.map((c, i) => [c, df.dtypes[i] as string])),
    loadMs,
    loadRowsPerS: Math.round(CSV_ROWS / (loadMs / 1000)),
    groupbyMeanMs: median(meanSamples),
    groupbyCountMs: median(countSamples),
    groups: Object.fromEntries(Object.keys(means).sort().map((c) => [c, { count: counts[c] ?? NaN, xMean: means[c] as number }])),
    peakRssMBAfterImports: rssAfterImports,
    peakRssMBAfterLoads: rssAfterLoads,
    peakRssMB: peakRssMB(),
    samples: { loadMs: loadSamples, groupbyMeanMs: meanSamples, groupbyCountMs: countSamples },
  };
}

/** Where a reader's groups differ from the written values: [] when they agree (counts exactly, means to 1e-9 relative). */
function groupMismatches(expected: Record<string, GroupStats>, got: Record<string, GroupStats>): string[] {
  const out: string[] = [];
  for (const [c, e] of Object.entries(expected)) {
    const g = got[c];
    if (!g) out.push(`${c}: missing`);
    else {
      if (g.count !== e.count) out.push(`${c}: count ${g.count} != ${e.count}`);
      if (!(Math.abs(g.xMean - e.xMean) <= 1e-9 * Math.max(1, Math.abs(e.xMean)))) out.push(`${c}: mean ${g.xMean} != ${e.xMean}`);
    }
  }
  for (const c of Object.keys(got)) if (!(c in expected)) out.push(`${c}: unexpected group`);
  return out;
}

async function measureDanfo(dir: string): Promise<Record<string, unknown>> {
  const progress = progressFor("train");
  const file = join(dir, "rows.csv");
  progress(`writing ${CSV_ROWS} rows to ${file}`);
  let started = performance.now();
  const expected = writeCsv(file);
  const writeMs = performance.now() - started;
  const bytes = statSync(file).size;
  progress(`wrote ${(bytes / MB).toFixed(1)} MB in ${(writeMs / 1000).toFixed(1)} s`);

  const readers: Record<string, unknown> = {};
  for (const reader of ["pipelab.readCsv", "danfo.readCSV"]) {
    progress(`${reader}: starting a worker process`);
    started = performance.now();
    try {
      const result = (await runWorker(["csv", reader, file])) as CsvWorkerResult;
      const mismatches = groupMismatches(expected, result.groups);
      const { groups: _groups, ...rest } = result;
      readers[reader] = { works: true, ...rest, groupsMatchWrittenData: mismatches.length === 0, ...(mismatches.length ? { mismatches } : {}) };
    } catch (error) {
      progress(`${reader}: failed: ${messageOf(error)}`);
      readers[reader] = { works: false, reason: messageOf(error) };
    }
    progress(`${reader}: worker done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  return {
    rows: CSV_ROWS,
    columns: "id (int), category (10 strings), x (float, 4 decimals), y (float, 2 decimals), n (int 0..999)",
    fileBytes: bytes,
    fileMB: Math.round((bytes / MB) * 10) / 10,
    writeMs: round(writeMs),
    readers,
    writtenGroups: Object.fromEntries(Object.entries(expected).map(([c, g]) => [c, { count: g.count, xMean: Math.round(g.xMean * 1e6) / 1e6 }])),
  };
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const dir = mkdtempSync(join(os.tmpdir(), "pipelab-bench-train-"));
  try {
    const machine = {
      ...machineInfo(),
    };
    const backends = await measureTraining();
    const speed = (name: string): number | undefined => {
      const r = backends[name] as { available?: boolean; secondsPerEpoch?: number } | undefined;
      return r?.available ? r.secondsPerEpoch : undefined;
    };
    const wasmS = speed("wasm");
    const cpuS = speed("cpu");
    const danfo = await measureDanfo(dir);

    const result = {
      benchmark: "train",
      date: new Date().toISOString(),
      machine,
      settings: { statistic: "median", gcBeforeEachCsvSample: true, csvRuns: CSV_RUNS, csvWarmups: CSV_WARMUPS, mbBytes: MB },
      training: {
        data: `${TRAIN_ROWS} rows x ${FEATURES} features, ${CLASSES} classes (Gaussian blobs, noise sd ${NOISE}), seed ${SEED}`,
        model: `MLP ${SIZES.join(" -> ")}, relu, softmax output, adam lr 0.01, batch ${BATCH_SIZE}, trainModel (src/ml)`,
        epochsPerBackend: EPOCHS,
        flops: {
          formula: "train FLOPs per epoch = 3 x forward; forward = 2 x sum over dense layers of (inputs x outputs) per row x rows",
          layers: LAYERS,
          forwardPerRow: FORWARD_FLOPS_PER_ROW,
          trainPerEpoch: TRAIN_FLOPS_PER_EPOCH,
        },
        backends,
        wasmOverCpuSpeedRatio: wasmS !== undefined && cpuS !== undefined ? Math.round((cpuS / wasmS) * 100) / 100 : null,
      },
      danfo,
    };
    // Indented, with each list of samples on one line.
    const text = JSON.stringify(result, null, 2).replace(/\[\s+([-\d.,\s]+?)\s+\]/g, (_, items: string) => `[${items.split(/,\s*/).join(", ")}]`);
    process.stdout.write(`${text}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function worker(args: readonly string[]): Promise<void> {
  const [kind, ...rest] = args;
  let result: unknown;
  if (kind === "train") result = await trainWorker();
  else if (kind === "csv" && rest.length === 2) result = await csvWorker(rest[0] as string, rest[1] as string);
  else throw new Error(`unknown worker arguments: ${args.join(" ")}`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const workerAt = process.argv.indexOf("--worker");
(workerAt >= 0 ? worker(process.argv.slice(workerAt + 1)) : main()).catch((error: unknown) => {
  process.stderr.write(`bench train failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
