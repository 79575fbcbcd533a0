/**
 * Building and training TensorFlow.js models: softmax/logistic regression,
 * linear regression and multi-layer perceptrons, deterministic for a seed.
 *
 * Determinism: weights are initialized from seeded initializers, batches come
 * in a seeded order (tfjs's own shuffle uses Math.random), and while training
 * runs Math.random itself is seeded, so dropout masks repeat too. The same
 * seed on the same backend gives the same weights and metrics, run after run.
 */
import type * as TF from "@tensorflow/tfjs";
import { DataError } from "../../errors";
import { metricMode, tensorflow } from "../../util";
import { currentStep } from "../../run-context";
import { fusedGemm, fusedTrainer, layersTrainer } from "./epoch-trainers";
import type { ProgressSink } from "../../run-context";
import { progressDisplay } from "../../notebook";
import { initBackend } from "../backend";
import { seededRandom } from "../random";
import { toLabels, toMatrix } from "./matrix";
import type { Features, Labels } from "./matrix";

import type { Activation, OptimizerName, Task } from "./kinds";
export type { Activation, OptimizerName, Task } from "./kinds";

/** How to build and train a model. Only `task` and `seed` are required. */
export interface TrainOptions {
  task: Task;
  /** Sizes of the hidden layers; [] (the default) gives softmax/logistic or linear regression. */
  hidden?: readonly number[];
  activation?: Activation;
  /** Dropout rate after each hidden layer, 0 to <1. Default 0. */
  dropout?: number;
  learningRate?: number;
  optimizer?: OptimizerName;
  epochs?: number;
  batchSize?: number;
  /** The seed of weight initialization, batch order and dropout. */
  seed: number;
  /** Stop when the monitored metric has not improved for `patience` epochs, and keep the best weights. */
  earlyStopping?: { monitor?: string; patience?: number; minDelta?: number; restoreBestWeights?: boolean };
  /** Show a progress display (default true). */
  progress?: boolean;
  /**
   * Class imbalance (classification): "oversample" repeats the rows of the
   * smaller classes, drawn with a seed, so that every class counts as much as
   * the largest in each epoch. Default "none".
   */
  balance?: "none" | "oversample";
  /**
   * A prefix for the metric names logged to the run, when one run trains
   * several models: "mlp_" logs mlp_loss and val_mlp_loss. Default "".
   */
  metricPrefix?: string;
}

/** What training returns: a plain object (cacheable as a step output) holding the model and what it needs. */
export interface TrainedModel {
  readonly kind: "pipelab.model";
  readonly task: Task;
  readonly model: TF.LayersModel;
  /** The feature names, in the order the model takes them. */
  readonly features: string[];
  /** For classification, the class labels in the order of the model's outputs. */
  readonly classes: (string | number | boolean)[] | null;
  /** One entry per epoch: loss and metrics, train and validation. */
  readonly history: Record<string, number>[];
  /** The epoch whose weights the model holds (the best one with early stopping). */
  readonly bestEpoch: number;
  /** What trained it: "fused, OpenBLAS 0.3.21" (the native BLAS), "fused, wasm" or "layers, cpu" (see README). */
  readonly trainedOn?: string;
}

export interface TrainData {
  x: Features;
  y: Labels;
  /** Validation data, for val_* metrics and early stopping. */
  validation?: { x: Features; y: Labels };
}

const tf = tensorflow;

function check(options: TrainOptions): Required<Omit<TrainOptions, "earlyStopping">> & Pick<TrainOptions, "earlyStopping"> {
  const o = {
    hidden: [] as readonly number[],
    activation: "relu" as Activation,
    dropout: 0,
    learningRate: 0.01,
    optimizer: "adam" as OptimizerName,
    epochs: 50,
    batchSize: 32,
    progress: true,
    metricPrefix: "",
    balance: "none" as "none" | "oversample",
    ...options,
  };
  if (o.task !== "classification" && o.task !== "regression") throw new DataError(`invalid task ${JSON.stringify(o.task)}: use "classification" or "regression"`);
  if (!Number.isInteger(o.seed)) throw new DataError(`invalid seed ${JSON.stringify(o.seed)}: use a whole number`);
  if (!o.hidden.every((h) => Number.isInteger(h) && h > 0)) throw new DataError(`invalid hidden layer sizes [${o.hidden.join(", ")}]: use positive whole numbers`);
  if (!(o.dropout >= 0 && o.dropout < 1)) throw new DataError(`invalid dropout ${o.dropout}: use a rate from 0 to below 1`);
  if (!(o.learningRate > 0)) throw new DataError(`invalid learningRate ${o.learningRate}: use a positive number`);
  if (!Number.isInteger(o.epochs) || o.epochs < 1) throw new DataError(`invalid epochs ${o.epochs}: use a whole number of at least 1`);
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new DataError(`invalid batchSize ${o.batchSize}: use a whole number of at least 1`);
  if (!["adam", "sgd", "rmsprop"].includes(o.optimizer)) throw new DataError(`invalid optimizer ${JSON.stringify(o.optimizer)}: use adam, sgd or rmsprop`);
  if (o.balance !== "none" && o.balance !== "oversample") throw new DataError(`invalid balance ${JSON.stringify(o.balance)}: use "none" or "oversample"`);
  if (o.balance === "oversample" && o.task !== "classification") throw new DataError('balance "oversample" is for classification; this is a regression');
  return o;
}

/** Builds the network: seeded Glorot-uniform kernels, zero biases, softmax (classification) or linear output. */
function build(t: typeof TF, inputs: number, outputs: number, o: ReturnType<typeof check>): TF.Sequential {
  const model = t.sequential();
  let seed = o.seed * 1000;
  const next = (): number => seed++;
  o.hidden.forEach((units, i) => {
    model.add(
      t.layers.dense({
        units,
        activation: o.activation,
        kernelInitializer: t.initializers.glorotUniform({ seed: next() }),
        biasInitializer: "zeros",
        ...(i === 0 ? { inputShape: [inputs] } : {}),
      }),
    );
    if (o.dropout > 0) model.add(t.layers.dropout({ rate: o.dropout }));
  });
  model.add(
    t.layers.dense({
      units: outputs,
      activation: o.task === "classification" ? "softmax" : "linear",
      kernelInitializer: t.initializers.glorotUniform({ seed: next() }),
      biasInitializer: "zeros",
      ...(o.hidden.length === 0 ? { inputShape: [inputs] } : {}),
    }),
  );
  const optimizer = o.optimizer === "sgd" ? t.train.sgd(o.learningRate) : o.optimizer === "rmsprop" ? t.train.rmsprop(o.learningRate) : t.train.adam(o.learningRate);
  model.compile({
    optimizer,
    loss: o.task === "classification" ? "categoricalCrossentropy" : "meanSquaredError",
    metrics: o.task === "classification" ? ["accuracy"] : ["mae"],
  });
  return model;
}

/** The classes of classification labels, sorted as scikit-learn (and our metrics) sort them: numbers numerically, else by code points. */
function classesOf(labels: readonly (string | number | boolean)[]): (string | number | boolean)[] {
  const unique = [...new Set(labels)];
  if (unique.every((v) => typeof v === "number")) return (unique as number[]).sort((a, b) => a - b);
  return unique.sort((a, b) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
}

/** Targets as a tensor: one-hot rows for classification, a column of numbers for regression. */
function targets(t: typeof TF, labels: readonly (string | number | boolean)[], task: Task, classes: readonly (string | number | boolean)[] | null, what: string): TF.Tensor2D {
  if (task === "regression") {
    const values = labels.map((v, i) => {
      if (typeof v !== "number") throw new DataError(`${what}: a regression target must be a number; row ${i} is ${JSON.stringify(v)}`);
      return v;
    });
    return t.tensor2d(values, [values.length, 1]);
  }
  const index = new Map((classes ?? []).map((c, i) => [c, i]));
  const unknown = [...new Set(labels.filter((v) => !index.has(v)))];
  if (unknown.length > 0) {
    throw new DataError(`${what} has labels the training data does not: ${unknown.map((v) => JSON.stringify(v)).join(", ")} (training classes: ${(classes ?? []).map((c) => JSON.stringify(c)).join(", ")})`);
  }
  const codes = labels.map((v) => index.get(v) as number);
  return t.tidy(() => t.oneHot(t.tensor1d(codes, "int32"), (classes ?? []).length).toFloat() as TF.Tensor2D);
}

/** Runs `fn` with Math.random seeded, restoring it afterwards. */
async function withSeededMathRandom<T>(seed: number, fn: () => Promise<T>): Promise<T> {
  const original = Math.random;
  Math.random = seededRandom(seed ^ 0x5eed);
  try {
    return await fn();
  } finally {
    Math.random = original;
  }
}

/**
 * Trains a model and returns it with its history. Inside a pipeline step,
 * each epoch's loss and metrics are logged to the run (`loss`, `accuracy` or
 * `mae`, and `val_*` with validation data) and a progress display updates in
 * place under the cell.
 *
 * @example
 * ```ts
 * const trained = await wb.step("train", { split, p }, ({ split, p }) =>
 *   trainModel({ x: split.xTrain, y: split.yTrain, validation: { x: split.xVal, y: split.yVal } },
 *     { task: "classification", hidden: [16], epochs: p.epochs, learningRate: p.lr, seed: p.seed }));
 * ```
 */
export async function trainModel(data: TrainData, options: TrainOptions): Promise<TrainedModel> {
  const o = check(options);
  await initBackend();
  const t = tf();
  const { x, yLabels, classes, val } = trainingData(data, o);

  const step = currentStep();
  const progress: ProgressSink | undefined = o.progress ? (step ? step.progress("training") : progressDisplay("training")) : undefined;
  const xs = t.tensor2d(x.data, [x.rows, x.cols]);
  const ys = targets(t, yLabels, o.task, classes, "the training labels");
  const xv = val ? t.tensor2d(val.x.data, [val.x.rows, val.x.cols]) : undefined;
  const yv = val ? targets(t, val.y, o.task, classes, "the validation labels") : undefined;
  const model = build(t, x.cols, classes ? classes.length : 1, o);
  const metricName = o.task === "classification" ? "accuracy" : "mae";
  const monitor = o.earlyStopping?.monitor ?? (val ? "val_loss" : "loss");
  const higherIsBetter = metricMode(monitor) === "max";
  const patience = o.earlyStopping?.patience ?? 10;
  const minDelta = o.earlyStopping?.minDelta ?? 0;
  const history: Record<string, number>[] = [];
  let best = { value: higherIsBetter ? -Infinity : Infinity, epoch: 0 };
  const order = seededRandom(o.seed);
  const rowsOfEpoch = epochRows(yLabels, x.rows, o);
  // The fused path where it runs (native BLAS, or the wasm backend), else the LayersModel's own training.
  const tensors = { xs, ys, ...(xv ? { xv } : {}), ...(yv ? { yv } : {}) };
  const gemm = fusedGemm(t);
  const trainer = gemm ? fusedTrainer(t, model, tensors, o, gemm, rowsOfEpoch.length) : layersTrainer(t, model, tensors, o);
  const keepBest = o.earlyStopping !== undefined && o.earlyStopping.restoreBestWeights !== false;
  try {
    await withSeededMathRandom(o.seed, async () => {
      for (let epoch = 1; epoch <= o.epochs; epoch++) {
        // A seeded permutation of the rows: the same batches, in the same order, every run.
        const perm = [...rowsOfEpoch];
        for (let i = perm.length - 1; i > 0; i--) {
          const j = Math.floor(order() * (i + 1));
          [perm[i], perm[j]] = [perm[j] as number, perm[i] as number];
        }
        const sums = await trainer.epoch(perm, epoch);
        const entry: Record<string, number> = { epoch, loss: sums.loss / perm.length, [metricName]: sums.metric / perm.length };
        const validation = await trainer.validate();
        if (validation) {
          entry.val_loss = validation.loss;
          entry[`val_${metricName}`] = validation.metric;
        }
        history.push(entry);
        const { epoch: _e, ...metrics } = entry;
        const logged = (key: string): string => (key.startsWith("val_") ? `val_${o.metricPrefix}${key.slice(4)}` : `${o.metricPrefix}${key}`);
        step?.log(Object.entries(metrics).map(([key, value]) => ({ key: logged(key), value, step: epoch })));
        progress?.update(`epoch ${epoch}/${o.epochs} · ${Object.entries(metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(" · ")}`);

        const value = entry[monitor];
        if (value === undefined) {
          throw new DataError(`early stopping monitors "${monitor}", which training does not produce; choose one of ${Object.keys(metrics).join(", ")}`);
        }
        const improved = higherIsBetter ? value > best.value + minDelta : value < best.value - minDelta;
        if (improved) {
          best = { value, epoch };
          if (keepBest) trainer.keepBest();
        } else if (o.earlyStopping && epoch - best.epoch >= patience) {
          break;
        }
        // Let the kernel breathe: displays update, interrupts get through.
        await new Promise((done) => setImmediate(done));
      }
    });
  } finally {
    trainer.finish(keepBest);
    t.dispose([xs, ys, ...(xv ? [xv] : []), ...(yv ? [yv] : [])]);
    // The optimizer's slots (Adam's moments) are only needed to train further: the trained model
    // keeps just its weights, so a re-run cell does not leave tensors behind.
    model.optimizer?.dispose();
  }
  const last = history[history.length - 1];
  progress?.done(`${history.length} epochs${o.earlyStopping ? `, best epoch ${best.epoch}` : ""}${last ? ` · loss ${last.loss?.toFixed(4)}` : ""}`);
  return {
    kind: "pipelab.model",
    task: o.task,
    model,
    features: x.features,
    classes,
    history,
    bestEpoch: o.earlyStopping ? best.epoch : history.length,
    trainedOn: trainer.path,
  };
}

/** The training data as matrices and labels, its shapes and classes checked. */
function trainingData(data: TrainData, o: ReturnType<typeof check>) {
  const x = toMatrix(data.x, "the training features");
  const yLabels = toLabels(data.y, "the training labels");
  if (yLabels.length !== x.rows) throw new DataError(`the training data has ${x.rows} rows of features and ${yLabels.length} labels`);
  const classes = o.task === "classification" ? classesOf(yLabels) : null;
  if (classes && classes.length < 2) throw new DataError(`classification needs at least two classes; the training labels hold only ${JSON.stringify(classes[0])}`);
  const val = data.validation
    ? { x: toMatrix(data.validation.x, "the validation features", x.features), y: toLabels(data.validation.y, "the validation labels") }
    : undefined;
  if (val && val.y.length !== val.x.rows) throw new DataError(`the validation data has ${val.x.rows} rows of features and ${val.y.length} labels`);
  return { x, yLabels, classes, val };
}

/**
 * The rows an epoch goes through: each once, or (oversampling) the smaller
 * classes' rows repeated, plus a seeded draw of them, up to the size of the
 * largest class.
 */
function epochRows(yLabels: readonly (string | number | boolean)[], rows: number, o: ReturnType<typeof check>): number[] {
  const all = Array.from({ length: rows }, (_, i) => i);
  if (o.balance !== "oversample") return all;
  const byClass = new Map<string | number | boolean, number[]>();
  yLabels.forEach((label, i) => (byClass.get(label) ?? byClass.set(label, []).get(label))?.push(i));
  const largest = Math.max(...[...byClass.values()].map((r) => r.length));
  const draw = seededRandom(o.seed + 1);
  return [...byClass.values()].flatMap((r) => [
    ...Array.from({ length: Math.floor(largest / r.length) }, () => r).flat(),
    ...Array.from({ length: largest % r.length }, () => r[Math.floor(draw() * r.length)] as number),
  ]);
}

/** Class probabilities (classification) or predictions (regression) as rows of numbers. */
export function predictRaw(trained: TrainedModel, x: Features): number[][] {
  const t = tf();
  const m = toMatrix(x, "the features to predict from", trained.features);
  return t.tidy(() => {
    const input = t.tensor2d(m.data, [m.rows, m.cols]);
    return (trained.model.predict(input, { batchSize: 1024 }) as TF.Tensor2D).arraySync();
  });
}

/** Class probabilities: one row per sample, one column per class (in `trained.classes` order). */
export function predictProba(trained: TrainedModel, x: Features): number[][] {
  if (trained.task !== "classification") throw new DataError("predictProba needs a classification model; this one does regression: use predict");
  return predictRaw(trained, x);
}

/** Predicted labels (classification: the most probable class) or values (regression). */
export function predict(trained: TrainedModel, x: Features): (string | number | boolean)[] {
  const raw = predictRaw(trained, x);
  if (trained.task === "regression") return raw.map((r) => r[0] as number);
  const classes = trained.classes as (string | number | boolean)[];
  return raw.map((r) => classes[r.indexOf(Math.max(...r))] as string | number | boolean);
}
