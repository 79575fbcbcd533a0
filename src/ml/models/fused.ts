/**
 * The fused training path for the dense networks trainModel builds: forward
 * pass, backward pass and optimizer update written out over Float32Arrays,
 * with the matrix products done by one `Gemm` (the native BLAS when built,
 * else TensorFlow.js's own backend). One batch is then about ten products
 * instead of the ~200 kernel calls a LayersModel's trainOnBatch makes.
 *
 * It computes what tfjs computes for that model: Dense layers (x·W + b),
 * the activation, dropout (inverted, seeded), softmax with categorical
 * crossentropy (probabilities clipped to [1e-7, 1 - 1e-7]) or a linear
 * output with mean squared error, and tfjs's Adam, SGD and RMSProp updates.
 * The weights start as the model's (its seeded initializers) and go back into
 * it at the end, so the result is the same tf.LayersModel as on the layers
 * path; the last float bits differ (another order of summation).
 */
import type * as TF from "@tensorflow/tfjs";
import { seededRandom } from "../random";
import type { Activation, OptimizerName, Task } from "./kinds";

/** c (m×n) = op(a) · op(b), row-major, where op(a) is m×k and op(b) is k×n. */
export interface Gemm {
  /** What computes the products, for the run's record: "OpenBLAS 0.3.21" or "wasm". */
  readonly name: string;
  mul(transA: boolean, transB: boolean, m: number, n: number, k: number, a: Float32Array, b: Float32Array, c: Float32Array): void;
}

/** The network's shape and training settings, as trainModel checked them. */
export interface FusedSpec {
  task: Task;
  activation: Activation;
  dropout: number;
  optimizer: OptimizerName;
  learningRate: number;
  batchSize: number;
  seed: number;
}

const EPSILON = 1e-7;
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

interface Layer {
  inputs: number;
  units: number;
  w: Float32Array;
  b: Float32Array;
  gw: Float32Array;
  gb: Float32Array;
  /** Optimizer slots per parameter: Adam's m and v, RMSProp's mean square and moment. */
  slots: Float32Array[];
}

/** Sums over a batch, as trainBatches returns them: loss and metric weighted by rows. */
export interface BatchSums {
  loss: number;
  metric: number;
}

/** Trains a dense model's weights in place over Float32Arrays. */
export class FusedDenseTrainer {
  private readonly layers: Layer[];
  /** Pre-activations and activations per layer, for the largest batch. */
  private readonly z: Float32Array[];
  private readonly a: Float32Array[];
  private readonly masks: Float32Array[];
  private readonly delta: Float32Array[];
  private readonly xBatch: Float32Array;
  private readonly yBatch: Float32Array;
  private readonly dropoutDraw: () => number;
  /** A row of ones: the bias gradient is the product onesᵀ · delta (the column sums). */
  private readonly ones: Float32Array;
  private step = 0;
  private best: Float32Array[] | undefined;
  /** Rows of the buffers: the largest batch. */
  private readonly rows: number;

  /**
   * @param weights the model's weights in order: kernel [inputs, units], bias [units], per Dense layer
   * @param maxRows the rows of an epoch: no batch is larger
   */
  constructor(
    private readonly gemm: Gemm,
    weights: readonly { kernel: Float32Array; bias: Float32Array; inputs: number; units: number }[],
    private readonly spec: FusedSpec,
    maxRows: number,
  ) {
    const slotCount = spec.optimizer === "sgd" ? 0 : 2;
    this.layers = weights.map((w) => ({
      inputs: w.inputs,
      units: w.units,
      w: Float32Array.from(w.kernel),
      b: Float32Array.from(w.bias),
      gw: new Float32Array(w.kernel.length),
      gb: new Float32Array(w.bias.length),
      slots: Array.from({ length: slotCount * 2 }, (_, i) => new Float32Array(i % 2 === 0 ? w.kernel.length : w.bias.length)),
    }));
    // Buffers for the largest batch: no larger than the epoch (a batchSize above it trains one batch).
    const rows = Math.max(1, Math.min(spec.batchSize, maxRows));
    this.rows = rows;
    this.z = this.layers.map((l) => new Float32Array(rows * l.units));
    this.a = this.layers.map((l) => new Float32Array(rows * l.units));
    this.masks = this.layers.map((l) => new Float32Array(spec.dropout > 0 ? rows * l.units : 0));
    this.delta = this.layers.map((l) => new Float32Array(rows * l.units));
    this.xBatch = new Float32Array(rows * (this.layers[0]?.inputs ?? 0));
    this.yBatch = new Float32Array(rows * (this.layers.at(-1)?.units ?? 0));
    this.dropoutDraw = seededRandom(spec.seed ^ 0xd50f);
    this.ones = new Float32Array(rows).fill(1);
  }

  /** Trains on the rows `idx` of x (rows × inputs) and y (rows × outputs); the batch's loss and metric sums. */
  trainBatch(x: Float32Array, y: Float32Array, idx: readonly number[]): BatchSums {
    const n = idx.length;
    const inputs = this.layers[0]?.inputs ?? 0;
    const outputs = this.layers.at(-1)?.units ?? 0;
    for (let r = 0; r < n; r++) {
      const row = idx[r] as number;
      this.xBatch.set(x.subarray(row * inputs, (row + 1) * inputs), r * inputs);
      this.yBatch.set(y.subarray(row * outputs, (row + 1) * outputs), r * outputs);
    }
    const xb = this.xBatch.subarray(0, n * inputs);
    const yb = this.yBatch.subarray(0, n * outputs);
    this.forward(xb, n, true);
    const sums = this.lossAndGradient(yb, n);
    this.backward(xb, n);
    this.update();
    return sums;
  }

  /** Loss and metric sums over all rows of (x, y), without training (validation). */
  evaluate(x: Float32Array, y: Float32Array, rows: number): BatchSums {
    const inputs = this.layers[0]?.inputs ?? 0;
    const outputs = this.layers.at(-1)?.units ?? 0;
    const total = { loss: 0, metric: 0 };
    for (let start = 0; start < rows; start += this.rows) {
      const n = Math.min(this.rows, rows - start);
      this.forward(x.subarray(start * inputs, (start + n) * inputs), n, false);
      const s = this.scores(y.subarray(start * outputs, (start + n) * outputs), n);
      total.loss += s.loss;
      total.metric += s.metric;
    }
    return total;
  }

  /** Keeps the current weights as the best so far (early stopping). */
  keepBest(): void {
    this.best = this.layers.flatMap((l) => [Float32Array.from(l.w), Float32Array.from(l.b)]);
  }

  /** The trained weights, in the model's order (the best kept ones when asked and kept). */
  weights(best: boolean): Float32Array[] {
    if (best && this.best) return this.best;
    return this.layers.flatMap((l) => [l.w, l.b]);
  }

  private forward(x: Float32Array, n: number, training: boolean): void {
    let input = x;
    this.layers.forEach((l, i) => {
      const z = (this.z[i] as Float32Array).subarray(0, n * l.units);
      const a = (this.a[i] as Float32Array).subarray(0, n * l.units);
      this.gemm.mul(false, false, n, l.units, l.inputs, input, l.w, z);
      addBias(z, l.b, n, l.units);
      const last = i === this.layers.length - 1;
      if (last) outputActivation(this.spec.task, z, a, n, l.units);
      else {
        activate(this.spec.activation, z, a);
        if (training && this.spec.dropout > 0) this.dropout(a, (this.masks[i] as Float32Array).subarray(0, n * l.units));
      }
      input = a;
    });
  }

  private dropout(a: Float32Array, mask: Float32Array): void {
    const keep = 1 - this.spec.dropout;
    for (let i = 0; i < a.length; i++) {
      const m = this.dropoutDraw() < keep ? 1 / keep : 0;
      mask[i] = m;
      a[i] = (a[i] as number) * m;
    }
  }

  /** The batch's loss and metric sums, and the output layer's delta (dLoss/dz, the batch mean). */
  private lossAndGradient(y: Float32Array, n: number): BatchSums {
    const out = this.layers.length - 1;
    const units = (this.layers[out] as Layer).units;
    const p = (this.a[out] as Float32Array).subarray(0, n * units);
    const d = (this.delta[out] as Float32Array).subarray(0, n * units);
    if (this.spec.task === "classification") {
      // Softmax with crossentropy: dL/dz = (p - y) / n.
      for (let i = 0; i < p.length; i++) d[i] = ((p[i] as number) - (y[i] as number)) / n;
    } else {
      // Mean squared error over rows and outputs: dL/dz = 2 (p - y) / (n · units).
      for (let i = 0; i < p.length; i++) d[i] = (2 * ((p[i] as number) - (y[i] as number))) / (n * units);
    }
    return this.scores(y, n);
  }

  /** Loss and metric sums (the batch mean times its rows), from the output layer's activations. */
  private scores(y: Float32Array, n: number): BatchSums {
    const out = this.layers.length - 1;
    const units = (this.layers[out] as Layer).units;
    const p = this.a[out] as Float32Array;
    let loss = 0;
    let metric = 0;
    for (let r = 0; r < n; r++) {
      if (this.spec.task === "classification") {
        let best = 0;
        let truth = 0;
        for (let j = 0; j < units; j++) {
          const q = Math.min(Math.max(p[r * units + j] as number, EPSILON), 1 - EPSILON);
          loss -= (y[r * units + j] as number) * Math.log(q);
          if ((p[r * units + j] as number) > (p[r * units + best] as number)) best = j;
          if ((y[r * units + j] as number) > (y[r * units + truth] as number)) truth = j;
        }
        if (best === truth) metric += 1;
      } else {
        for (let j = 0; j < units; j++) {
          const e = (p[r * units + j] as number) - (y[r * units + j] as number);
          loss += (e * e) / units;
          metric += Math.abs(e) / units;
        }
      }
    }
    return { loss, metric };
  }

  private backward(x: Float32Array, n: number): void {
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const l = this.layers[i] as Layer;
      const d = (this.delta[i] as Float32Array).subarray(0, n * l.units);
      const input = i === 0 ? x : (this.a[i - 1] as Float32Array).subarray(0, n * l.inputs);
      // dW = inputᵀ · d; db = the column sums of d.
      this.gemm.mul(true, false, l.inputs, l.units, n, input, d, l.gw);
      this.gemm.mul(false, false, 1, l.units, n, this.ones.subarray(0, n), d, l.gb);
      if (i === 0) break;
      // The previous layer's delta: (d · Wᵀ), through dropout's mask and the activation's derivative.
      const prev = this.layers[i - 1] as Layer;
      const dPrev = (this.delta[i - 1] as Float32Array).subarray(0, n * prev.units);
      this.gemm.mul(false, true, n, prev.units, l.units, d, l.w, dPrev);
      if (this.spec.dropout > 0) {
        const mask = this.masks[i - 1] as Float32Array;
        for (let k = 0; k < dPrev.length; k++) dPrev[k] = (dPrev[k] as number) * (mask[k] as number);
      }
      derive(this.spec.activation, (this.z[i - 1] as Float32Array).subarray(0, n * prev.units), (this.a[i - 1] as Float32Array).subarray(0, n * prev.units), dPrev, this.spec.dropout > 0 ? this.masks[i - 1] : undefined);
    }
  }

  /** One optimizer step over every parameter, as tfjs's optimizers compute it. */
  private update(): void {
    this.step += 1;
    const lr = this.spec.learningRate;
    for (const l of this.layers) {
      const params: [Float32Array, Float32Array, Float32Array[]][] = [
        [l.w, l.gw, [l.slots[0] as Float32Array, l.slots[2] as Float32Array]],
        [l.b, l.gb, [l.slots[1] as Float32Array, l.slots[3] as Float32Array]],
      ];
      for (const [value, grad, [s1, s2]] of params) {
        if (this.spec.optimizer === "sgd") {
          for (let i = 0; i < value.length; i++) value[i] = (value[i] as number) - lr * (grad[i] as number);
        } else if (this.spec.optimizer === "adam") {
          adamStep(value, grad, s1 as Float32Array, s2 as Float32Array, lr, this.step);
        } else {
          rmspropStep(value, grad, s1 as Float32Array, s2 as Float32Array, lr);
        }
      }
    }
  }
}

/** tfjs's Adam (beta1 0.9, beta2 0.999, epsilon 1e-7) at step t. */
function adamStep(value: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, lr: number, t: number): void {
  const c1 = 1 - 0.9 ** t;
  const c2 = 1 - 0.999 ** t;
  for (let i = 0; i < value.length; i++) {
    const g = grad[i] as number;
    const mi = 0.9 * (m[i] as number) + 0.1 * g;
    const vi = 0.999 * (v[i] as number) + 0.001 * g * g;
    m[i] = mi;
    v[i] = vi;
    value[i] = (value[i] as number) - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + EPSILON);
  }
}

/** tfjs's RMSProp (decay 0.9, no momentum, not centered, epsilon 1e-7). */
function rmspropStep(value: Float32Array, grad: Float32Array, ms: Float32Array, _moment: Float32Array, lr: number): void {
  for (let i = 0; i < value.length; i++) {
    const g = grad[i] as number;
    const s = 0.9 * (ms[i] as number) + 0.1 * g * g;
    ms[i] = s;
    value[i] = (value[i] as number) - (lr * g) / Math.sqrt(s + EPSILON);
  }
}

/** z ← z + b on every row. */
export function addBias(z: Float32Array, b: Float32Array, n: number, units: number): void {
  for (let r = 0, at = 0; r < n; r++) {
    for (let j = 0; j < units; j++, at++) z[at] = (z[at] as number) + (b[j] as number);
  }
}

/** a = act(z), one loop per activation (a branch per element would cost more than the arithmetic). */
export function activate(kind: Activation, z: Float32Array, a: Float32Array): void {
  const n = z.length;
  switch (kind) {
    case "relu":
      for (let i = 0; i < n; i++) {
        const v = z[i] as number;
        a[i] = v > 0 ? v : 0;
      }
      return;
    case "tanh":
      for (let i = 0; i < n; i++) a[i] = Math.tanh(z[i] as number);
      return;
    case "sigmoid":
      for (let i = 0; i < n; i++) a[i] = 1 / (1 + Math.exp(-(z[i] as number)));
      return;
    case "elu":
      for (let i = 0; i < n; i++) {
        const v = z[i] as number;
        a[i] = v > 0 ? v : Math.expm1(v);
      }
      return;
    case "selu":
      for (let i = 0; i < n; i++) {
        const v = z[i] as number;
        a[i] = SELU_SCALE * (v > 0 ? v : SELU_ALPHA * Math.expm1(v));
      }
      return;
  }
}

/**
 * d ← d ⊙ act'(z), from z and a = act(z). With dropout, d already holds the
 * mask's factor and a was scaled by it: a dropped unit (d = 0) stays 0, a kept
 * one's activation is a / m.
 */
function derive(kind: Activation, z: Float32Array, a: Float32Array, d: Float32Array, mask: Float32Array | undefined): void {
  const n = d.length;
  const act = (i: number): number => (mask ? (mask[i] === 0 ? 0 : (a[i] as number) / (mask[i] as number)) : (a[i] as number));
  switch (kind) {
    case "relu":
      for (let i = 0; i < n; i++) if (!((z[i] as number) > 0)) d[i] = 0;
      return;
    case "tanh":
      for (let i = 0; i < n; i++) {
        const y = act(i);
        d[i] = (d[i] as number) * (1 - y * y);
      }
      return;
    case "sigmoid":
      for (let i = 0; i < n; i++) {
        const y = act(i);
        d[i] = (d[i] as number) * y * (1 - y);
      }
      return;
    case "elu":
      for (let i = 0; i < n; i++) if (!((z[i] as number) > 0)) d[i] = (d[i] as number) * (act(i) + 1);
      return;
    case "selu":
      for (let i = 0; i < n; i++) d[i] = (d[i] as number) * ((z[i] as number) > 0 ? SELU_SCALE : act(i) + SELU_SCALE * SELU_ALPHA);
      return;
  }
}

/** Softmax per row (classification) or the identity (regression). */
export function outputActivation(task: Task, z: Float32Array, a: Float32Array, n: number, units: number): void {
  if (task === "regression") {
    a.set(z);
    return;
  }
  for (let r = 0; r < n; r++) {
    let max = -Infinity;
    for (let j = 0; j < units; j++) max = Math.max(max, z[r * units + j] as number);
    let sum = 0;
    for (let j = 0; j < units; j++) {
      const e = Math.exp((z[r * units + j] as number) - max);
      a[r * units + j] = e;
      sum += e;
    }
    for (let j = 0; j < units; j++) a[r * units + j] = (a[r * units + j] as number) / sum;
  }
}

/** A Gemm on TensorFlow.js's current backend (wasm: XNNPACK), for where the native BLAS is not built. */
export function tfjsGemm(t: typeof TF, backend: string): Gemm {
  return {
    name: backend,
    mul(transA, transB, m, n, k, a, b, c) {
      if (m === 1 && !transA && !transB) {
        // A row times a matrix (the bias gradient): cheaper in JavaScript than a call through tfjs.
        c.fill(0, 0, n);
        for (let p = 0; p < k; p++) {
          const ap = a[p] as number;
          for (let j = 0; j < n; j++) c[j] = (c[j] as number) + ap * (b[p * n + j] as number);
        }
        return;
      }
      const out = t.tidy(() => t.matMul(t.tensor2d(a, transA ? [k, m] : [m, k]), t.tensor2d(b, transB ? [n, k] : [k, n]), transA, transB));
      c.set(out.dataSync() as Float32Array);
      out.dispose();
    },
  };
}
