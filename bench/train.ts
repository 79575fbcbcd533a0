/**
 * Benchmark of model training (src/ml/models) on each of pipelab's training
 * paths, side by side with scikit-learn on the same data, and of danfo data
 * frames on 1,000,000 rows (src/ml/prep), in one run.
 *
 * 1. MLP training speed per training path, against scikit-learn.
 *    - Data: Gaussian blobs. Each class has a center drawn uniformly in
 *      [-1, 1]^features; a row is its center + N(0, noise^2) per feature;
 *      labels go in turn; the training rows come first, then held-out rows,
 *      all from seededRandom. The benchmark MLP ("small"): TRAIN_ROWS =
 *      20,000 rows x 64 features, 4 classes, noise 1.5 (the rows this
 *      benchmark always trained on), plus 5,000 held-out rows; MLP 64 -> 128
 *      (relu) -> 128 (relu) -> 4 (softmax), Adam (learning rate 0.01), batch
 *      size 128, trained with pipelab's trainModel. The main process writes
 *      each set as raw little-endian files (float32 features, int32 labels)
 *      under bench/.out/train/ (ignored by git; removed at the end unless
 *      --keep-data), and every process reads the same files.
 *    - scikit-learn: bench/train_sklearn.py runs MLPClassifier with the same
 *      layers, activation, solver, batch size and learning rate (alpha 0, no
 *      early stopping, tol 0) through /usr/bin/python3 (Debian's
 *      python3-sklearn) on the same float32 data, one partial_fit call per
 *      epoch; its seconds per epoch are the median of the epochs after the
 *      first, and its held-out accuracy is computed after every epoch, so
 *      each path is compared with scikit-learn after the same number of
 *      epochs. It runs with the BLAS threads it uses by default (reported).
 *      Without scikit-learn the benchmark reports why and goes on.
 *    - Paths: a backend is chosen once per process, so each path runs in a
 *      child process of this benchmark (`--worker train WORKLOAD PATH`) with
 *      its environment (PATHS): native (the default: PIPELAB_NATIVE_BLAS
 *      unset), wasm (PIPELAB_NATIVE_BLAS=0: the wasm backend with the
 *      transposed-product fix), wasm-stock (also PIPELAB_WASM_STOCK_MATMUL=1),
 *      layers-stock (also PIPELAB_FUSED_TRAINING=0: training as it was before
 *      issue #16) and cpu; tensorflow only if tfjs-node is installed (else it
 *      is reported as unavailable, with why). Each worker reports what
 *      actually ran (`ran`): trainModel's own record (trainedOn),
 *      initBackend()'s answer, the path variables it saw, the native BLAS's
 *      build and threads, the functions registered for the matrix-product
 *      kernels, and the native libraries loaded in the process.
 *    - Timing: the worker runs trainModel inside a step context of its own
 *      (src/run-context), which trainModel logs each epoch to: the time of
 *      each epoch's log call marks the end of that epoch. Epoch 1 runs from
 *      the creation of the progress display (after the input's conversion to
 *      a matrix, before the tensors are uploaded and the model is built) to
 *      its log, and is reported as the warm-up; each later epoch is one timed
 *      sample (3 per path; the cpu backend, much slower, gets 2). The
 *      held-out accuracy is computed after training with pipelab's predict.
 *      GFLOP/s counts training FLOPs per epoch as 3 x the forward FLOPs,
 *      forward = 2 x sum over dense layers of (inputs x outputs) per row,
 *      times the rows (biases, activations, softmax, loss and the optimizer's
 *      updates are not counted). `cpuUtilization` is the worker's CPU time
 *      (user + system) over the wall time of the timed epochs: above 1 means
 *      more than one core worked. After training, each worker also times
 *      tf.matMul alone on the products one batch does (per layer: forward
 *      x·W, kernel gradient x^T·dy, input gradient dy·W^T), plus a 512^3
 *      product for reference, and estimates their share of an epoch (the sum
 *      per batch x rows / batch size, over the measured seconds per epoch).
 *    - The wide model, to show scale: 784 -> 256 -> 256 -> 10 on 60,000 rows
 *      (10 blobs, noise 4) plus 10,000 held-out rows, 3 epochs (2 timed), for
 *      scikit-learn and the native and wasm paths only.
 * 2. DataFrame to tensors (`--worker conversion`, on the default path): a
 *    danfo DataFrame of the small set (64 feature columns and a label
 *    column), converted as trainModel converts its input: toMatrix and
 *    toLabels (src/ml/models/matrix.ts), then the upload of the features and
 *    the one-hot labels; against the same rows as number[][]; and, through
 *    trainModel itself (1 epoch), the time from its call to its progress
 *    display, for both inputs.
 * 3. The first trainModel of a process: a fresh `node -e` process per path
 *    that requires the build (dist/, as a user's script does), initializes
 *    the backend and trains a tiny MLP (1,024 x 64, the same layers) for 1
 *    epoch, twice; times are read from performance.now(), which counts from
 *    the process's start.
 * 4. danfo on CSV_ROWS = 1,000,000 rows. A seeded CSV (id, category with 10
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
 * 5. The machine: Node version, CPU count and model.
 *
 * Every timing is the median of its samples (listed), taken after warm-ups.
 * A full garbage collection (outside the timing) precedes each CSV load and
 * groupby sample, each conversion sample, and the trainModel call; epochs run
 * back to back inside trainModel, and the matMul samples follow each other
 * without one. The CSV lives in a temporary folder under os.tmpdir(), removed
 * at the end.
 *
 * Run from the repository root (npm run bench builds dist/ first, which the
 * first-train measurement loads):
 *   npm run --silent bench -- train [--keep-data]
 *   node --import tsx bench/train.ts [--keep-data]
 * One JSON object goes to stdout; progress lines (the workers' too) and a
 * summary table go to stderr. "MB" is 2^20 bytes; "GFLOP" is 10^9
 * floating-point operations.
 */
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import os from "node:os";
import { join, relative, resolve } from "node:path";
import type * as TF from "@tensorflow/tfjs";
import * as dfd from "danfojs-node";
import { type BackendInfo, type BackendName, BACKEND_ENV, type TrainedModel, initBackend, predict, readCsv, seededRandom, trainModel } from "../src/ml";
import { type Features, type Labels, toLabels, toMatrix } from "../src/ml/models";
import { type LoggedPoint, type ProgressSink, type StepContext, withStepContext } from "../src/run-context";
import { collectGarbage, machineInfo, median, progressFor, round, runJson, sample } from "./lib";

// Training: the benchmark MLP ("small")
const TRAIN_ROWS = 20_000;
const TEST_ROWS = 5_000;
const FEATURES = 64;
const CLASSES = 4;
const HIDDEN = [128, 128] as const;
const BATCH_SIZE = 128;
/** trainModel's default, passed explicitly so that scikit-learn gets the same. */
const LEARNING_RATE = 0.01;
const NOISE = 1.5;
const SEED = 7;
/** Epochs per backend: the first is the warm-up, the others are timed. */
const EPOCHS: Record<BackendName, number> = { tensorflow: 4, wasm: 4, cpu: 3 };

// The wide model
const WIDE_TRAIN_ROWS = 60_000;
const WIDE_TEST_ROWS = 10_000;
const WIDE_FEATURES = 784;
const WIDE_CLASSES = 10;
const WIDE_HIDDEN = [256, 256] as const;
const WIDE_NOISE = 4;
const WIDE_SEED = 11;
const WIDE_EPOCHS = 3;

/** The goal of issue #16 per path on the small model: seconds per epoch at most this many times scikit-learn's, accuracy within ACCURACY_GOAL. */
const RATIO_GOALS: Partial<Record<PathName, number>> = { native: 2.0, wasm: 3.5 };
const ACCURACY_GOAL = 0.01;

/** The tiny training of the first-train measurement. */
const FIRST_TRAIN_ROWS = 1_024;

// danfo
const CSV_ROWS = 1_000_000;
const CATEGORIES = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliett"] as const;
const CSV_RUNS = 3;
const CSV_WARMUPS = 1;

const CONVERSION_RUNS = 5;
const CONVERSION_WARMUPS = 1;

const MB = 1024 * 1024;
const REPO = resolve(__dirname, "..");
const DATA_DIR = join(REPO, "bench", ".out", "train");
const PYTHON = "/usr/bin/python3";
const SKLEARN_HELPER = join(__dirname, "train_sklearn.py");
const DIST_INDEX = join(REPO, "dist", "index.js");

// ---------------------------------------------------------------------------
// Shared helpers

/** Peak resident set size of this process so far, in MB (maxRSS is in KiB). */
function peakRssMB(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}


/** Runs this file as a worker child process; resolves with the JSON it prints. */
function runWorker(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<unknown> {
  return runJson(`the worker (${args.join(" ")})`, process.execPath, ["--import", "tsx", __filename, "--worker", ...args], env);
}

// ---------------------------------------------------------------------------
// 1. Training

/** The ways pipelab can train, each chosen for a whole process by environment variables. */
type PathName = "native" | "wasm" | "wasm-stock" | "layers-stock" | "cpu" | "tensorflow";

interface TrainingPath {
  backend: BackendName;
  /** Variables set for the worker, besides PIPELAB_TF_BACKEND = backend; undefined removes one. */
  env: Record<string, string | undefined>;
  means: string;
}

const NATIVE_ENV = "PIPELAB_NATIVE_BLAS";
const STOCK_MATMUL_ENV = "PIPELAB_WASM_STOCK_MATMUL";
const FUSED_ENV = "PIPELAB_FUSED_TRAINING";
const PATH_ENVS = [BACKEND_ENV, NATIVE_ENV, STOCK_MATMUL_ENV, FUSED_ENV] as const;

const PATHS: Record<PathName, TrainingPath> = {
  native: {
    backend: "wasm",
    env: { [NATIVE_ENV]: undefined, [STOCK_MATMUL_ENV]: undefined, [FUSED_ENV]: undefined },
    means: `the default (${NATIVE_ENV} unset): the native BLAS addon where it is built, else the wasm fix`,
  },
  wasm: {
    backend: "wasm",
    env: { [NATIVE_ENV]: "0", [STOCK_MATMUL_ENV]: undefined, [FUSED_ENV]: undefined },
    means: `${NATIVE_ENV}=0: the wasm backend with the transposed-product fix`,
  },
  "wasm-stock": {
    backend: "wasm",
    env: { [NATIVE_ENV]: "0", [STOCK_MATMUL_ENV]: "1", [FUSED_ENV]: undefined },
    means: `${NATIVE_ENV}=0 ${STOCK_MATMUL_ENV}=1: tfjs-backend-wasm's own matrix-product kernel`,
  },
  "layers-stock": {
    backend: "wasm",
    env: { [NATIVE_ENV]: "0", [STOCK_MATMUL_ENV]: "1", [FUSED_ENV]: "0" },
    means: `also ${FUSED_ENV}=0: training as it was before issue #16, the LayersModel's own trainOnBatch on tfjs-backend-wasm's own kernels`,
  },
  cpu: {
    backend: "cpu",
    env: { [NATIVE_ENV]: "0", [STOCK_MATMUL_ENV]: undefined, [FUSED_ENV]: undefined },
    means: `${BACKEND_ENV}=cpu ${NATIVE_ENV}=0: tfjs's pure-JavaScript backend, as before (the native BLAS off so that it stays pure JavaScript)`,
  },
  tensorflow: { backend: "tensorflow", env: {}, means: `${BACKEND_ENV}=tensorflow: tfjs-node (native TensorFlow), when installed` },
};

/** The worker's environment for a path: this process's, with the path's variables set or removed. */
function envFor(name: PathName): NodeJS.ProcessEnv {
  const path = PATHS[name];
  const env: NodeJS.ProcessEnv = { ...process.env, [BACKEND_ENV]: path.backend };
  for (const [key, value] of Object.entries(path.env)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** The path variables as written in a table: "PIPELAB_TF_BACKEND=wasm PIPELAB_NATIVE_BLAS=0". */
function envLine(name: PathName): string {
  const env = envFor(name);
  return PATH_ENVS.filter((k) => env[k] !== undefined)
    .map((k) => `${k}=${env[k]}`)
    .join(" ");
}

type WorkloadName = "small" | "wide";

/** A training workload: its Gaussian blobs and the MLP trained on them. */
interface Workload {
  name: WorkloadName;
  trainRows: number;
  testRows: number;
  features: number;
  classes: number;
  hidden: readonly number[];
  noise: number;
  /** The seed of the data (training always uses SEED). */
  seed: number;
  /** The paths trained on it, in order, and their epochs: the first is the warm-up, the others are timed. */
  runs: readonly { path: PathName; epochs: number }[];
  /** Paths left out, with why. */
  notRun: Partial<Record<PathName, string>>;
  /** Whether workers also time tf.matMul alone on this model's products. */
  probeMatMul: boolean;
}

const SMALL: Workload = {
  name: "small",
  trainRows: TRAIN_ROWS,
  testRows: TEST_ROWS,
  features: FEATURES,
  classes: CLASSES,
  hidden: HIDDEN,
  noise: NOISE,
  seed: SEED,
  runs: [
    { path: "native", epochs: EPOCHS.wasm },
    { path: "wasm", epochs: EPOCHS.wasm },
    { path: "wasm-stock", epochs: EPOCHS.wasm },
    { path: "layers-stock", epochs: EPOCHS.wasm },
    { path: "cpu", epochs: EPOCHS.cpu },
    { path: "tensorflow", epochs: EPOCHS.tensorflow },
  ],
  notRun: {},
  probeMatMul: true,
};

const WIDE: Workload = {
  name: "wide",
  trainRows: WIDE_TRAIN_ROWS,
  testRows: WIDE_TEST_ROWS,
  features: WIDE_FEATURES,
  classes: WIDE_CLASSES,
  hidden: WIDE_HIDDEN,
  noise: WIDE_NOISE,
  seed: WIDE_SEED,
  runs: [
    { path: "native", epochs: WIDE_EPOCHS },
    { path: "wasm", epochs: WIDE_EPOCHS },
  ],
  notRun: {
    "wasm-stock": "not run: its transposed products run at about 2 GFLOP/s (see paths.wasm-stock.matMul), so one epoch of the wide model would take over 30 s",
    "layers-stock": "not run, as wasm-stock",
    cpu: "not run: at about 0.4 GFLOP/s (see paths.cpu.gflopsPerS) one epoch of the wide model would take about 4 minutes",
    tensorflow: "not run: tfjs-node is not part of this comparison",
  },
  probeMatMul: false,
};

const WORKLOADS: Record<WorkloadName, Workload> = { small: SMALL, wide: WIDE };

/** Dense layers as [inputs, outputs]. */
function layersOf(w: Workload): [number, number][] {
  const sizes = [w.features, ...w.hidden, w.classes];
  return sizes.slice(1).map((out, i) => [sizes[i] as number, out]);
}

function forwardFlopsPerRow(w: Workload): number {
  return 2 * layersOf(w).reduce((sum, [i, o]) => sum + i * o, 0);
}

function trainFlopsPerEpoch(w: Workload): number {
  return 3 * forwardFlopsPerRow(w) * w.trainRows;
}

function describeData(w: Workload): string {
  return `${w.trainRows} rows x ${w.features} features + ${w.testRows} held-out rows, ${w.classes} classes (Gaussian blobs, noise sd ${w.noise}), data seed ${w.seed}`;
}

function describeModel(w: Workload): string {
  return `MLP ${[w.features, ...w.hidden, w.classes].join(" -> ")}, relu, softmax output, adam lr ${LEARNING_RATE}, batch ${BATCH_SIZE}, training seed ${SEED}`;
}

/** A workload's data: features row-major. */
interface BlobSet {
  xTrain: Float32Array;
  yTrain: Int32Array;
  xTest: Float32Array;
  yTest: Int32Array;
}

/**
 * A workload's Gaussian blobs: the centers, then the training rows, then the
 * held-out rows, from one seeded stream. Values are summed in doubles and
 * stored as float32, the precision trainModel trains in (the small set's
 * training rows are the ones this benchmark trained on before it held any out).
 */
function blobs(w: Workload): BlobSet {
  const random = seededRandom(w.seed);
  const gaussian = (): number => {
    const u = 1 - random(); // (0, 1]: log(u) is finite
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  const centers = Array.from({ length: w.classes }, () => Array.from({ length: w.features }, () => random() * 2 - 1));
  const part = (rows: number, first: number): { x: Float32Array; y: Int32Array } => {
    const x = new Float32Array(rows * w.features);
    const y = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      const label = (first + i) % w.classes;
      const center = centers[label] as number[];
      for (let j = 0; j < w.features; j++) x[i * w.features + j] = (center[j] as number) + w.noise * gaussian();
      y[i] = label;
    }
    return { x, y };
  };
  const train = part(w.trainRows, 0);
  const test = part(w.testRows, w.trainRows);
  return { xTrain: train.x, yTrain: train.y, xTest: test.x, yTest: test.y };
}

type DataFiles = Record<keyof BlobSet, string>;

function dataFiles(w: Workload): DataFiles {
  return {
    xTrain: join(DATA_DIR, `${w.name}-x-train.f32`),
    yTrain: join(DATA_DIR, `${w.name}-y-train.i32`),
    xTest: join(DATA_DIR, `${w.name}-x-test.f32`),
    yTest: join(DATA_DIR, `${w.name}-y-test.i32`),
  };
}

/** Writes a workload's data as raw little-endian files for the workers and scikit-learn; returns the bytes written. */
function writeBlobs(w: Workload): number {
  mkdirSync(DATA_DIR, { recursive: true });
  const set = blobs(w);
  const files = dataFiles(w);
  let bytes = 0;
  for (const key of Object.keys(files) as (keyof BlobSet)[]) {
    const array = set[key];
    writeFileSync(files[key], new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
    bytes += array.byteLength;
  }
  return bytes;
}

function readBlobs(w: Workload): BlobSet {
  const files = dataFiles(w);
  const bytes = (file: string): ArrayBuffer => {
    const buffer = readFileSync(file);
    return buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer;
  };
  const set = { xTrain: new Float32Array(bytes(files.xTrain)), yTrain: new Int32Array(bytes(files.yTrain)), xTest: new Float32Array(bytes(files.xTest)), yTest: new Int32Array(bytes(files.yTest)) };
  if (set.xTrain.length !== w.trainRows * w.features || set.yTrain.length !== w.trainRows || set.xTest.length !== w.testRows * w.features || set.yTest.length !== w.testRows) {
    throw new Error(`the ${w.name} data files in ${DATA_DIR} do not have the workload's shape: run the benchmark from its start, not a worker alone`);
  }
  return set;
}

/** A row-major block as rows of numbers, the form a user's arrays take. */
function rowsOf(x: Float32Array, cols: number): number[][] {
  return Array.from({ length: x.length / cols }, (_, i) => Array.from(x.subarray(i * cols, (i + 1) * cols)));
}

// --- scikit-learn

interface SklearnEpoch {
  epoch: number;
  loss: number;
  heldOutAccuracy: number;
}

/** What bench/train_sklearn.py prints; the fields the comparison reads are checked, the rest is passed on. */
type SklearnOutcome = { available: false; reason: string } | ({ available: true; secondsPerEpoch: number; heldOutAccuracy: number; finalTrainLoss: number; history: SklearnEpoch[] } & Record<string, unknown>);

function parseSklearn(value: unknown): SklearnOutcome {
  const o = value as Record<string, unknown> | null;
  if (typeof o !== "object" || o === null || typeof o.available !== "boolean") throw new Error(`scikit-learn's helper printed ${JSON.stringify(value).slice(0, 200)}, not a result`);
  if (!o.available) return { available: false, reason: String(o.reason) };
  const history = o.history;
  const isEpoch = (e: unknown): e is SklearnEpoch => typeof e === "object" && e !== null && ["epoch", "loss", "heldOutAccuracy"].every((k) => typeof (e as Record<string, unknown>)[k] === "number");
  if (typeof o.secondsPerEpoch !== "number" || !Array.isArray(history) || !history.every(isEpoch) || history.length === 0) {
    throw new Error(`scikit-learn's helper printed a result without secondsPerEpoch or a per-epoch history: ${JSON.stringify(value).slice(0, 300)}`);
  }
  return { ...o, available: true, secondsPerEpoch: o.secondsPerEpoch, heldOutAccuracy: Number(o.heldOutAccuracy), finalTrainLoss: Number(o.finalTrainLoss), history };
}

/** scikit-learn's MLPClassifier on a workload's files, for as many epochs as the longest path trains. */
async function runSklearn(w: Workload, oneThread: boolean): Promise<SklearnOutcome> {
  const progress = progressFor(`train:${w.name}:sklearn`);
  const files = dataFiles(w);
  const spec = {
    ...files,
    trainRows: w.trainRows,
    testRows: w.testRows,
    features: w.features,
    hidden: w.hidden,
    learningRate: LEARNING_RATE,
    batchSize: BATCH_SIZE,
    epochs: Math.max(...w.runs.map((r) => r.epochs)),
    seed: SEED,
    oneThread,
  };
  if (!existsSync(PYTHON)) return { available: false, reason: `${PYTHON} does not exist: scikit-learn's side is skipped (Debian: apt-get install python3-sklearn)` };
  progress(`${PYTHON} ${relative(REPO, SKLEARN_HELPER)} (${spec.epochs} epochs)`);
  try {
    return parseSklearn(await runJson("scikit-learn's helper", PYTHON, [SKLEARN_HELPER, JSON.stringify(spec)]));
  } catch (error) {
    progress(`failed: ${messageOf(error)}`);
    return { available: false, reason: messageOf(error) };
  }
}

// --- pipelab

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
async function probeMatMul(w: Workload, progress: (line: string) => void): Promise<{ probes: MatMulProbe[]; estimatedMsPerEpoch: number }> {
  const tf = require("@tensorflow/tfjs") as typeof TF;
  const b = BATCH_SIZE;
  const cases: { op: string; a: [number, number]; w: [number, number]; ta: boolean; tb: boolean; perBatch: boolean }[] = [];
  layersOf(w).forEach(([i, o], l) => {
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
    const wt = make(c.w);
    const m = c.ta ? c.a[1] : c.a[0];
    const k = c.ta ? c.a[0] : c.a[1];
    const n = c.tb ? c.w[0] : c.w[1];
    const once = async (reps: number): Promise<number> => {
      const started = performance.now();
      for (let r = 0; r < reps; r++) {
        const out = tf.matMul(a, wt, c.ta, c.tb);
        if (r === reps - 1) await out.data();
        out.dispose();
      }
      return (performance.now() - started) / reps;
    };
    const reps = Math.max(1, Math.ceil(20 / Math.max(await once(1), 1e-3)));
    const samples = await sample(() => once(reps), 5, 1, false);
    tf.dispose([a, wt]);
    const ms = median(samples);
    if (c.perBatch) perBatchMs += ms;
    probes.push({ op: c.op, mkn: [m, k, n], transposeA: c.ta, transposeB: c.tb, ms, gflopsPerS: round2((2 * m * k * n) / ms / 1e6), samples });
    progress(`matMul ${c.op} [${m}x${k}]·[${k}x${n}]: ${ms} ms`);
  }
  return { probes, estimatedMsPerEpoch: round(perBatchMs * (w.trainRows / BATCH_SIZE)) };
}

/** What ran in a worker, as far as the process can tell. */
interface WhatRan {
  /** initBackend()'s answer, whole (its description names the backend). */
  backendInfo: BackendInfo;
  /** The path variables as the worker saw them (null: unset). */
  env: Record<string, string | null>;
  /** The functions registered on the backend for the matrix-product kernels: tfjs-backend-wasm's own are batchMatMul and fusedBatchMatMul. */
  kernelFunctions: Record<string, string | null>;
  /** Native libraries loaded in the process: .node addons and BLAS libraries (process.report's shared objects). */
  nativeLibraries: string[];
  /** trainModel's own record of what trained the model (its result's trainedOn), or null when it records none. */
  trainedOn: string | null;
  /** The native BLAS as pipelab loaded it (src/ml/native): its OpenBLAS build and thread count, or null when it is off or absent. */
  nativeBlas: { config: string; threads: number } | null;
  /** Fields of trainModel's result beyond kind, task, model, features, classes, history, bestEpoch and trainedOn. */
  trainedModelExtras: Record<string, unknown>;
  /** The above in a sentence. */
  note: string;
}

const TRAINED_MODEL_FIELDS = new Set(["kind", "task", "model", "features", "classes", "history", "bestEpoch", "trainedOn"]);

/** The native BLAS's build and threads, through src/ml/native when that module exists (it is optional, and newer than this benchmark). */
function nativeBlasInfo(): WhatRan["nativeBlas"] {
  try {
    const native = require("../src/ml/native") as { nativeBlas?: () => { config(): string; threads(): number } | undefined };
    const blas = native.nativeBlas?.();
    return blas ? { config: blas.config(), threads: blas.threads() } : null;
  } catch {
    return null;
  }
}
const STOCK_KERNEL_FUNCTIONS: Record<string, string> = { BatchMatMul: "batchMatMul", _FusedMatMul: "fusedBatchMatMul" };

function whatRan(info: BackendInfo, trained: TrainedModel): WhatRan {
  const tf = require("@tensorflow/tfjs") as typeof TF;
  const kernelFunctions = Object.fromEntries(Object.keys(STOCK_KERNEL_FUNCTIONS).map((k) => [k, tf.getKernel(k, info.name)?.kernelFunc.name || null]));
  const report = process.report?.getReport() as { sharedObjects?: string[] } | undefined;
  const nativeLibraries = (report?.sharedObjects ?? [])
    .filter((f) => /\.node$|blas/i.test(f))
    .map((f) => (f.startsWith(REPO) ? relative(REPO, f) : f));
  const plain = (v: unknown): boolean => v === null || ["string", "number", "boolean"].includes(typeof v) || Array.isArray(v) || (typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype);
  const trainedModelExtras = Object.fromEntries(Object.entries(trained).filter(([k, v]) => !TRAINED_MODEL_FIELDS.has(k) && plain(v)));
  const recorded = (trained as { trainedOn?: unknown }).trainedOn;
  const trainedOn = typeof recorded === "string" ? recorded : null;
  const blas = nativeBlasInfo();
  const env = Object.fromEntries(PATH_ENVS.map((k) => [k, process.env[k] ?? null]));

  const notes: string[] = [trainedOn !== null ? `trainModel says it trained on "${trainedOn}"` : "trainModel's result records no training path", `backend ${info.description}`];
  if (blas) notes.push(`native BLAS ${blas.config}, ${blas.threads} thread(s)`);
  const native = nativeLibraries.filter((f) => !/better[-_]sqlite3/.test(f));
  notes.push(native.length > 0 ? `native libraries loaded: ${native.join(", ")}` : "no native addon or BLAS library was loaded in this process");
  if (info.name === "wasm") {
    const replaced = Object.entries(kernelFunctions).filter(([k, fn]) => fn !== STOCK_KERNEL_FUNCTIONS[k]);
    notes.push(replaced.length > 0 ? `matrix-product kernels replaced: ${replaced.map(([k, fn]) => `${k} by ${fn ?? "none"}`).join(", ")}` : "tfjs-backend-wasm's own matrix-product kernels are registered (by function name)");
  }
  if (Object.keys(trainedModelExtras).length > 0) notes.push(`trainModel's result also records ${JSON.stringify(trainedModelExtras)}`);
  return { backendInfo: info, env, trainedOn, nativeBlas: blas, kernelFunctions, nativeLibraries, trainedModelExtras, note: notes.join("; ") };
}

interface Mark {
  wall: number;
  cpu: number;
}

/** A step context for trainModel that marks [wall ms, cpu µs] when the progress display is created and at each epoch's log. */
function markingContext(progress: (line: string) => void): { context: StepContext; marks: Mark[] } {
  const marks: Mark[] = [];
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
  return { context, marks };
}

interface TrainWorkerResult {
  workload: WorkloadName;
  path: PathName;
  requested: BackendName;
  backend: string;
  backendName: BackendName;
  ran: WhatRan;
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
  /** The last epoch's training loss (the mean over its batches, as trainModel logs it). */
  finalTrainLoss: number;
  /** Accuracy of pipelab's predict on the held-out rows, after training. */
  heldOutAccuracy: number;
  heldOutRows: number;
  history: Record<string, number>[];
  peakRssMB: number;
  /** tf.matMul alone, on the shapes of a batch; its per-epoch estimate (per-batch products x rows / batch size) and share of an epoch. */
  matMul?: { measures: string; estimatedSPerEpoch: number; shareOfEpoch: number; probes: MatMulProbe[] };
  samples: { epochS: number[]; cpuUtilization: number[] };
}

function workloadNamed(name: string | undefined): Workload {
  const w = WORKLOADS[name as WorkloadName];
  if (!w) throw new Error(`unknown workload ${JSON.stringify(name)}: use ${Object.keys(WORKLOADS).join(" or ")}`);
  return w;
}

async function trainWorker(workloadName: string | undefined, pathName: string | undefined): Promise<TrainWorkerResult> {
  const w = workloadNamed(workloadName);
  const run = w.runs.find((r) => r.path === pathName);
  if (!run) throw new Error(`the ${w.name} workload does not train on path ${JSON.stringify(pathName)}: use ${w.runs.map((r) => r.path).join(", ")}`);
  const requested = PATHS[run.path].backend;
  const progress = progressFor(`train:${w.name}:${run.path}`);
  const info = await initBackend();
  if (info.name !== requested) throw new Error(`${BACKEND_ENV}=${requested} gave the ${info.name} backend instead`);
  let wasm: TrainWorkerResult["wasm"];
  if (info.name === "wasm") {
    const tf = require("@tensorflow/tfjs") as typeof TF;
    wasm = { simd: (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true, multithread: (await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT")) === true };
  }
  progress(`backend ${info.description}; reading the data set (${describeData(w)})`);
  const set = readBlobs(w);
  const x = rowsOf(set.xTrain, w.features);
  const y = Array.from(set.yTrain);
  const epochs = run.epochs;
  const { context, marks } = markingContext(progress);

  collectGarbage();
  progress(`training ${epochs} epochs (1 warm-up)`);
  const started = performance.now();
  const trained = await withStepContext(context, () =>
    trainModel({ x, y }, { task: "classification", hidden: w.hidden, activation: "relu", batchSize: BATCH_SIZE, learningRate: LEARNING_RATE, epochs, seed: SEED }),
  );
  const total = performance.now() - started;
  if (marks.length !== epochs + 1) throw new Error(`expected ${epochs + 1} time marks (display + one per epoch), got ${marks.length}`);
  const predicted = predict(trained, rowsOf(set.xTest, w.features));
  const heldOutAccuracy = predicted.filter((label, i) => label === set.yTest[i]).length / set.yTest.length;
  const ran = whatRan(info, trained);
  trained.model.dispose();

  const epochS: number[] = [];
  const utilization: number[] = [];
  for (let e = 2; e <= epochs; e++) {
    const a = marks[e - 1] as Mark;
    const b = marks[e] as Mark;
    epochS.push(round((b.wall - a.wall) / 1000));
    utilization.push(round2((b.cpu - a.cpu) / 1000 / (b.wall - a.wall)));
  }
  const first = marks[0] as Mark;
  const secondsPerEpoch = median(epochS);
  const rss = peakRssMB();
  const history = trained.history.map((h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, k === "epoch" ? v : round4(v)])));
  progress(`${secondsPerEpoch} s per epoch; held-out accuracy ${heldOutAccuracy.toFixed(4)}; ${ran.note}`);
  let matMul: TrainWorkerResult["matMul"];
  if (w.probeMatMul) {
    progress("timing tf.matMul alone on the shapes of a batch");
    const probe = await probeMatMul(w, progress);
    matMul = {
      measures: `tf.matMul on the ${info.name} backend's registered kernel; a fused path (trainedOn "fused, ...") computes its products its own way (the native one through cblas_sgemm), so for it the estimate is only a reference`,
      estimatedSPerEpoch: round(probe.estimatedMsPerEpoch / 1000), shareOfEpoch: round2(probe.estimatedMsPerEpoch / 1000 / secondsPerEpoch), probes: probe.probes };
  }
  return {
    workload: w.name,
    path: run.path,
    requested,
    backend: info.description,
    backendName: info.name,
    ran,
    ...(wasm ? { wasm } : {}),
    epochs,
    timedEpochs: epochs - 1,
    inputConversionS: round((first.wall - started) / 1000),
    warmupEpochS: round(((marks[1] as Mark).wall - first.wall) / 1000),
    secondsPerEpoch,
    gflopsPerS: round2(trainFlopsPerEpoch(w) / secondsPerEpoch / 1e9),
    cpuUtilization: median(utilization),
    trainModelTotalS: round(total / 1000),
    finalTrainLoss: round4(trained.history[trained.history.length - 1]?.loss ?? NaN),
    heldOutAccuracy: round4(heldOutAccuracy),
    heldOutRows: set.yTest.length,
    history,
    peakRssMB: rss,
    ...(matMul ? { matMul } : {}),
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

/** A path's figures next to scikit-learn's, at the same number of epochs. */
interface VersusSklearn {
  sklearnSecondsPerEpoch: number;
  /** The path's seconds per epoch over scikit-learn's (as it runs by default: its BLAS threads are in sklearn.threads). */
  ratio: number;
  /** The same against scikit-learn limited to one BLAS thread, when measured. */
  ratioToOneThread?: number;
  epochs: number;
  heldOutAccuracy: number;
  sklearnHeldOutAccuracy: number;
  /** The path's held-out accuracy minus scikit-learn's after the same number of epochs. */
  accuracyDifference: number;
  finalTrainLoss: number;
  sklearnTrainLoss: number;
  goal?: { maxRatio: number; ratioMet: boolean; maxAccuracyDifference: number; accuracyMet: boolean };
}

function versusSklearn(r: TrainWorkerResult, sk: SklearnOutcome, goal: number | undefined): VersusSklearn | { available: false; reason: string } {
  if (!sk.available) return { available: false, reason: `scikit-learn did not run: ${sk.reason}` };
  const at = sk.history[r.epochs - 1];
  if (!at) return { available: false, reason: `scikit-learn trained ${sk.history.length} epochs, the path ${r.epochs}` };
  const ratio = round2(r.secondsPerEpoch / sk.secondsPerEpoch);
  const accuracyDifference = round4(r.heldOutAccuracy - at.heldOutAccuracy);
  const oneThread = sk.oneThread as { secondsPerEpoch?: unknown } | undefined;
  return {
    sklearnSecondsPerEpoch: sk.secondsPerEpoch,
    ratio,
    ...(typeof oneThread?.secondsPerEpoch === "number" ? { ratioToOneThread: round2(r.secondsPerEpoch / oneThread.secondsPerEpoch) } : {}),
    epochs: r.epochs,
    heldOutAccuracy: r.heldOutAccuracy,
    sklearnHeldOutAccuracy: round4(at.heldOutAccuracy),
    accuracyDifference,
    finalTrainLoss: r.finalTrainLoss,
    sklearnTrainLoss: round4(at.loss),
    ...(goal !== undefined ? { goal: { maxRatio: goal, ratioMet: ratio <= goal, maxAccuracyDifference: ACCURACY_GOAL, accuracyMet: Math.abs(accuracyDifference) <= ACCURACY_GOAL } } : {}),
  };
}

type PathOutcome = ({ available: true; means: string; env: string; vsSklearn: ReturnType<typeof versusSklearn> } & TrainWorkerResult) | { available: false; means: string; env: string; reason: string };

/** Trains a workload on each of its paths, each in a worker of its own, and compares each with scikit-learn. */
async function trainPaths(w: Workload, sk: SklearnOutcome): Promise<Partial<Record<PathName, PathOutcome>>> {
  const progress = progressFor(`train:${w.name}`);
  const results: Partial<Record<PathName, PathOutcome>> = {};
  for (const run of w.runs) {
    const about = { means: PATHS[run.path].means, env: envLine(run.path) };
    if (run.path === "tensorflow") {
      const status = tfjsNodeStatus();
      if (!status.installed) {
        progress(`tensorflow: unavailable: ${status.reason}`);
        results[run.path] = { available: false, ...about, reason: status.reason };
        continue;
      }
    }
    progress(`${run.path}: starting a worker process (${about.env})`);
    try {
      const result = (await runWorker(["train", w.name, run.path], envFor(run.path))) as TrainWorkerResult;
      const vs = versusSklearn(result, sk, w === SMALL ? RATIO_GOALS[run.path] : undefined);
      results[run.path] = { available: true, ...about, ...result, vsSklearn: vs };
    } catch (error) {
      progress(`${run.path}: failed: ${messageOf(error)}`);
      results[run.path] = { available: false, ...about, reason: messageOf(error) };
    }
  }
  return results;
}

/** Whether the path variables changed anything the workers can see, in a sentence. */
function pathsNote(paths: Partial<Record<PathName, PathOutcome>>): string {
  const names = ["native", "wasm", "wasm-stock", "layers-stock"] as const;
  const ran = names.map((name) => paths[name]).filter((p): p is Extract<PathOutcome, { available: true }> => p?.available === true);
  if (ran.length < names.length) return "not every wasm path ran: see their reasons";
  const seen = new Set(ran.map((p) => JSON.stringify({ ...p.ran, env: undefined, note: undefined })));
  if (seen.size === 1) {
    return `native, wasm, wasm-stock and layers-stock ran the same way as far as the workers can see (backend description, trainedOn, native libraries, kernel functions): ${NATIVE_ENV} and ${STOCK_MATMUL_ENV} had no visible effect in this tree, so the figures measure one path several times`;
  }
  return `what ran: ${ran.map((p) => `${p.path}: ${p.ran.trainedOn ?? "(not recorded)"} on ${p.backend}${p.ran.nativeBlas ? `, ${p.ran.nativeBlas.threads} BLAS thread(s)` : ""}`).join("; ")}`;
}

/** The former per-backend summary, pointing at the path run that is that backend with its defaults. */
function backendSummary(p: PathOutcome | undefined, run: string): Record<string, unknown> {
  if (!p) return { available: false, reason: "not run" };
  if (!p.available) return { available: false, run, reason: p.reason };
  return { available: true, run, backend: p.backend, secondsPerEpoch: p.secondsPerEpoch, gflopsPerS: p.gflopsPerS, cpuUtilization: p.cpuUtilization };
}

// ---------------------------------------------------------------------------
// 2. DataFrame to tensors

interface ConversionStages {
  toMatrixMs: number;
  toLabelsMs: number;
  /** tf.tensor2d of the matrix and the labels one-hot, as trainModel builds them. */
  toTensorsMs: number;
  totalMs: number;
}

/** trainModel's conversion of its input, stage by stage (src/ml/models/train.ts: trainingData, then tensor2d and targets). */
function convertOnce(tf: typeof TF, x: Features, y: Labels): ConversionStages {
  const t0 = performance.now();
  const m = toMatrix(x, "the training features");
  const t1 = performance.now();
  const labels = toLabels(y, "the training labels");
  const t2 = performance.now();
  const classes = [...new Set(labels as number[])].sort((a, b) => a - b);
  const index = new Map(classes.map((c, i) => [c, i]));
  const xs = tf.tensor2d(m.data, [m.rows, m.cols]);
  const ys = tf.tidy(() => tf.oneHot(tf.tensor1d(labels.map((v) => index.get(v as number) as number), "int32"), classes.length).toFloat());
  const t3 = performance.now();
  tf.dispose([xs, ys]);
  return { toMatrixMs: t1 - t0, toLabelsMs: t2 - t1, toTensorsMs: t3 - t2, totalMs: t3 - t0 };
}

function conversionSamples(tf: typeof TF, x: Features, y: Labels): Record<string, unknown> {
  const runs: ConversionStages[] = [];
  for (let i = 0; i < CONVERSION_WARMUPS + CONVERSION_RUNS; i++) {
    collectGarbage();
    const stages = convertOnce(tf, x, y);
    if (i >= CONVERSION_WARMUPS) runs.push(stages);
  }
  const stage = (k: keyof ConversionStages): number[] => runs.map((r) => round(r[k]));
  return {
    toMatrixMs: median(stage("toMatrixMs")),
    toLabelsMs: median(stage("toLabelsMs")),
    toTensorsMs: median(stage("toTensorsMs")),
    totalMs: median(stage("totalMs")),
    samples: { totalMs: stage("totalMs") },
  };
}

/** Seconds from trainModel's call to its progress display (conversion and checks, before the upload), with 1 epoch. */
async function trainModelConversionS(x: Features, y: Labels): Promise<number> {
  const { context, marks } = markingContext(progressFor("train:conversion"));
  collectGarbage();
  const started = performance.now();
  const trained = await withStepContext(context, () =>
    trainModel({ x, y }, { task: "classification", hidden: HIDDEN, activation: "relu", batchSize: BATCH_SIZE, learningRate: LEARNING_RATE, epochs: 1, seed: SEED }),
  );
  trained.model.dispose();
  return round(((marks[0] as Mark).wall - started) / 1000);
}

async function conversionWorker(): Promise<Record<string, unknown>> {
  const progress = progressFor("train:conversion");
  const info = await initBackend();
  const tf = require("@tensorflow/tfjs") as typeof TF;
  const set = readBlobs(SMALL);
  const rows = rowsOf(set.xTrain, FEATURES);
  const labels = Array.from(set.yTrain);
  const columns = [...Array.from({ length: FEATURES }, (_, j) => `f${j}`), "label"];
  progress(`backend ${info.description}; building a DataFrame of ${TRAIN_ROWS} x ${columns.length}`);
  let started = performance.now();
  const frame = new dfd.DataFrame(
    rows.map((r, i) => [...r, labels[i] as number]),
    { columns },
  );
  const frameBuildMs = performance.now() - started;
  started = performance.now();
  const features = frame.drop({ columns: ["label"] });
  const label = frame.column("label");
  const selectMs = performance.now() - started;

  progress(`toMatrix, toLabels and tensors: DataFrame, then number[][] (${CONVERSION_WARMUPS} warm-up + ${CONVERSION_RUNS} samples each)`);
  const fromFrame = conversionSamples(tf, features, label);
  const fromRows = conversionSamples(tf, rows, labels);
  progress("trainModel (1 epoch) on the DataFrame, then on number[][]");
  const trainFrameS = await trainModelConversionS(features, label);
  const trainRowsS = await trainModelConversionS(rows, labels);
  return {
    backend: info.description,
    input: `${TRAIN_ROWS} rows x ${FEATURES} float columns + an int label column`,
    frameBuildMs: round(frameBuildMs),
    selectFeaturesMs: round(selectMs),
    dataFrame: fromFrame,
    rows: fromRows,
    frameOverRows: round2((fromFrame.totalMs as number) / (fromRows.totalMs as number)),
    trainModelUntilProgressS: { dataFrame: trainFrameS, rows: trainRowsS },
    note: "dataFrame/rows: toMatrix + toLabels + the upload of the features and one-hot labels, as trainModel does them, timed directly (median); frameBuildMs (new dfd.DataFrame from the rows) and selectFeaturesMs (frame.drop the label, frame.column the label) are the user's side, not counted; trainModelUntilProgressS: from trainModel's call to its progress display (conversion and checks, before the upload), one 1-epoch call each",
  };
}

// ---------------------------------------------------------------------------
// 3. The first trainModel of a process

/** A fresh process's script: it loads the build as a user's script does and trains a tiny MLP for 1 epoch, twice. */
const FIRST_TRAIN_SCRIPT = `
const since = () => performance.now() / 1000;
const scriptStartS = since();
const pipelab = require(${JSON.stringify(DIST_INDEX)});
const importedS = since();
(async () => {
  const backend = await pipelab.initBackend();
  const backendReadyS = since();
  const random = pipelab.seededRandom(${SEED});
  const x = Array.from({ length: ${FIRST_TRAIN_ROWS} }, (_, i) => Array.from({ length: ${FEATURES} }, () => (i % ${CLASSES}) + random() * 2 - 1));
  const y = x.map((_, i) => i % ${CLASSES});
  const options = { task: "classification", hidden: ${JSON.stringify(HIDDEN)}, activation: "relu", batchSize: ${BATCH_SIZE}, epochs: 1, seed: ${SEED}, progress: false };
  const firstStartS = since();
  (await pipelab.trainModel({ x, y }, options)).model.dispose();
  const firstEndS = since();
  (await pipelab.trainModel({ x, y }, options)).model.dispose();
  const secondEndS = since();
  process.stdout.write(JSON.stringify({ backend: backend.description, scriptStartS, importedS, backendReadyS, firstStartS, firstEndS, secondEndS }) + "\\n");
})().catch((error) => {
  process.stderr.write(String((error && error.stack) || error) + "\\n");
  process.exitCode = 1;
});
`;

const FIRST_TRAIN_PATHS: readonly PathName[] = ["native", "wasm", "cpu"];

async function measureFirstTrain(): Promise<Record<string, unknown>> {
  const progress = progressFor("train:first");
  const results: Record<string, unknown> = {
    what: `a fresh node process per path requires dist/index.js (the build), runs initBackend() and trainModel on ${FIRST_TRAIN_ROWS} x ${FEATURES} rows (MLP ${[FEATURES, ...HIDDEN, CLASSES].join("-")}, batch ${BATCH_SIZE}) for 1 epoch, then the same training again; times in seconds since the process started (performance.now())`,
  };
  if (!existsSync(DIST_INDEX)) {
    results.available = false;
    results.reason = `${relative(REPO, DIST_INDEX)} is missing: build first (npm run build; npm run bench builds it)`;
    return results;
  }
  for (const path of FIRST_TRAIN_PATHS) {
    progress(`${path}: a fresh process (${envLine(path)})`);
    const started = performance.now();
    try {
      const t = (await runJson(`the first-train process (${path})`, process.execPath, ["-e", FIRST_TRAIN_SCRIPT], envFor(path))) as Record<string, number> & { backend: string };
      const s = (x: number | undefined): number => round(x ?? NaN);
      results[path] = {
        available: true,
        env: envLine(path),
        backend: t.backend,
        processStartToFirstTrainEndS: s(t.firstEndS),
        nodeStartS: s(t.scriptStartS),
        importS: s((t.importedS ?? NaN) - (t.scriptStartS ?? NaN)),
        initBackendS: s((t.backendReadyS ?? NaN) - (t.importedS ?? NaN)),
        firstTrainS: s((t.firstEndS ?? NaN) - (t.firstStartS ?? NaN)),
        secondTrainS: s((t.secondEndS ?? NaN) - (t.firstEndS ?? NaN)),
        processWallS: round((performance.now() - started) / 1000),
      };
    } catch (error) {
      progress(`${path}: failed: ${messageOf(error)}`);
      results[path] = { available: false, env: envLine(path), reason: messageOf(error) };
    }
  }
  return results;
}

// ---------------------------------------------------------------------------
// 4. danfo on 1,000,000 rows

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

/** The per-path figures as a table on stderr, for the person watching. */
function printSummary(sections: { title: string; sk: SklearnOutcome; paths: Partial<Record<PathName, PathOutcome>> }[]): void {
  const progress = progressFor("train");
  for (const { title, sk, paths } of sections) {
    const oneThread = sk.available ? (sk.oneThread as { secondsPerEpoch?: number } | undefined)?.secondsPerEpoch : undefined;
    const skLine = sk.available ? `${sk.secondsPerEpoch} s/epoch${oneThread !== undefined ? ` (${oneThread} on one thread)` : ""}, held-out accuracy ${sk.heldOutAccuracy}` : `not run (${sk.reason})`;
    progress(`${title}: scikit-learn ${skLine}`);
    for (const [name, p] of Object.entries(paths)) {
      if (!p?.available) {
        progress(`  ${name.padEnd(12)} not run: ${p?.reason ?? "?"}`);
        continue;
      }
      const vs = p.vsSklearn;
      const versus = "ratio" in vs ? `${vs.ratio}x scikit-learn, held-out accuracy ${vs.heldOutAccuracy} (scikit-learn ${vs.sklearnHeldOutAccuracy} after ${vs.epochs} epochs, ${vs.accuracyDifference >= 0 ? "+" : ""}${vs.accuracyDifference})` : vs.reason;
      progress(`  ${name.padEnd(12)} ${String(p.secondsPerEpoch).padStart(7)} s/epoch, ${versus}, train loss ${p.finalTrainLoss}`);
    }
  }
}

async function main(): Promise<void> {
  const keepData = process.argv.includes("--keep-data");
  const dir = mkdtempSync(join(os.tmpdir(), "pipelab-bench-train-"));
  const progress = progressFor("train");
  try {
    // The machine is shared: the load around the run says how much to trust its figures.
    const machine = {
      ...machineInfo(),
      loadAverage1m: { atStart: round2(os.loadavg()[0] ?? NaN), atEnd: NaN },
    };
    for (const w of [SMALL, WIDE]) {
      progress(`writing the ${w.name} data set (${describeData(w)}) to ${relative(REPO, DATA_DIR)}`);
      const bytes = writeBlobs(w);
      progress(`wrote ${(bytes / MB).toFixed(1)} MB`);
    }
    const sklearn = await runSklearn(SMALL, true);
    const paths = await trainPaths(SMALL, sklearn);
    const wideSklearn = await runSklearn(WIDE, false);
    const widePaths = await trainPaths(WIDE, wideSklearn);

    progress("conversion: starting a worker process (the default path)");
    let conversion: Record<string, unknown>;
    try {
      conversion = { available: true, env: envLine("native"), ...((await runWorker(["conversion"], envFor("native"))) as Record<string, unknown>) };
    } catch (error) {
      progress(`conversion: failed: ${messageOf(error)}`);
      conversion = { available: false, reason: messageOf(error) };
    }
    const firstTrain = await measureFirstTrain();

    const backends = {
      wasm: backendSummary(paths.native, "paths.native"),
      cpu: backendSummary(paths.cpu, "paths.cpu"),
      tensorflow: backendSummary(paths.tensorflow, "paths.tensorflow"),
    };
    const speed = (p: PathOutcome | undefined): number | undefined => (p?.available ? p.secondsPerEpoch : undefined);
    const wasmS = speed(paths.native);
    const cpuS = speed(paths.cpu);
    const danfo = await measureDanfo(dir);
    machine.loadAverage1m.atEnd = round2(os.loadavg()[0] ?? NaN);

    const result = {
      benchmark: "train",
      date: new Date().toISOString(),
      machine,
      settings: {
        statistic: "median",
        gcBeforeEachCsvSample: true,
        csvRuns: CSV_RUNS,
        csvWarmups: CSV_WARMUPS,
        conversionRuns: CONVERSION_RUNS,
        conversionWarmups: CONVERSION_WARMUPS,
        mbBytes: MB,
        paths: Object.fromEntries((Object.keys(PATHS) as PathName[]).map((name) => [name, { env: envLine(name), means: PATHS[name].means }])),
      },
      training: {
        data: describeData(SMALL),
        model: `${describeModel(SMALL)}, trainModel (src/ml)`,
        epochsPerBackend: EPOCHS,
        epochsPerPath: Object.fromEntries(SMALL.runs.map((r) => [r.path, r.epochs])),
        flops: {
          formula: "train FLOPs per epoch = 3 x forward; forward = 2 x sum over dense layers of (inputs x outputs) per row x rows",
          layers: layersOf(SMALL),
          forwardPerRow: forwardFlopsPerRow(SMALL),
          trainPerEpoch: trainFlopsPerEpoch(SMALL),
        },
        backends,
        wasmOverCpuSpeedRatio: wasmS !== undefined && cpuS !== undefined ? round2(cpuS / wasmS) : null,
      },
      sklearn,
      paths,
      pathsNote: pathsNote(paths),
      wide: {
        data: describeData(WIDE),
        model: describeModel(WIDE),
        flops: { layers: layersOf(WIDE), forwardPerRow: forwardFlopsPerRow(WIDE), trainPerEpoch: trainFlopsPerEpoch(WIDE) },
        sklearn: wideSklearn,
        paths: widePaths,
        notRun: WIDE.notRun,
      },
      conversion,
      firstTrain,
      danfo,
    };
    // Indented, with each list of samples on one line.
    const text = JSON.stringify(result, null, 2).replace(/\[\s+([-\d.,\s]+?)\s+\]/g, (_, items: string) => `[${items.split(/,\s*/).join(", ")}]`);
    process.stdout.write(`${text}\n`);
    printSummary([
      { title: `small (${describeModel(SMALL)})`, sk: sklearn, paths },
      { title: `wide (${describeModel(WIDE)})`, sk: wideSklearn, paths: widePaths },
    ]);
    progress(pathsNote(paths));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (!keepData) rmSync(DATA_DIR, { recursive: true, force: true });
  }
}

async function worker(args: readonly string[]): Promise<void> {
  const [kind, ...rest] = args;
  let result: unknown;
  if (kind === "train" && rest.length === 2) result = await trainWorker(rest[0], rest[1]);
  else if (kind === "conversion" && rest.length === 0) result = await conversionWorker();
  else if (kind === "csv" && rest.length === 2) result = await csvWorker(rest[0] as string, rest[1] as string);
  else throw new Error(`unknown worker arguments: ${args.join(" ")}`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

const workerAt = process.argv.indexOf("--worker");
(workerAt >= 0 ? worker(process.argv.slice(workerAt + 1)) : main()).catch((error: unknown) => {
  process.stderr.write(`bench train failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
