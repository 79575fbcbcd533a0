/**
 * The forward pass of the dense networks trainModel builds, over
 * Float32Arrays, for serving: one row costs a few microseconds, where a
 * LayersModel's predict costs a tensor round trip. The activations are the
 * fused training path's, so it computes what tfjs computes, up to the last
 * float bits (the order of summation).
 */
import type * as TF from "@tensorflow/tfjs";
import { activate, addBias, outputActivation } from "./fused";
import type { Activation, Task } from "./kinds";

interface DenseLayer {
  readonly inputs: number;
  readonly units: number;
  /** inputs × units, row-major (tfjs's kernel layout). */
  readonly w: Float32Array;
  readonly b: Float32Array;
}

const HIDDEN: readonly Activation[] = ["relu", "tanh", "sigmoid", "elu", "selu"];

/** A dense network's weights, ready to predict rows. */
export class DenseNetwork {
  constructor(
    private readonly layers: readonly DenseLayer[],
    private readonly activation: Activation,
    private readonly task: Task,
  ) {}

  /** The number of features a row has. */
  get inputs(): number {
    return (this.layers[0] as DenseLayer).inputs;
  }

  /** The outputs for `rows` rows of `x` (row-major): probabilities (classification) or values, row-major. */
  forward(x: Float32Array, rows: number): Float32Array {
    let input = x;
    this.layers.forEach((l, i) => {
      const z = new Float32Array(rows * l.units);
      multiply(input, l.w, z, rows, l.inputs, l.units);
      addBias(z, l.b, rows, l.units);
      const a = new Float32Array(rows * l.units);
      if (i === this.layers.length - 1) outputActivation(this.task, z, a, rows, l.units);
      else activate(this.activation, z, a);
      input = a;
    });
    return input;
  }
}

/** z (m×n) = x (m×k) · w (k×n): small products, where a plain loop beats a library call. */
function multiply(x: Float32Array, w: Float32Array, z: Float32Array, m: number, k: number, n: number): void {
  for (let r = 0; r < m; r++) {
    const zr = r * n;
    for (let p = 0; p < k; p++) {
      const v = x[r * k + p] as number;
      if (v === 0) continue;
      const wp = p * n;
      for (let j = 0; j < n; j++) z[zr + j] = (z[zr + j] as number) + v * (w[wp + j] as number);
    }
  }
}

/**
 * The dense network a LayersModel holds, when it is one trainModel builds
 * (Dense layers, Dropout, one hidden activation, softmax or linear output);
 * undefined for any other model, which then predicts through tfjs.
 */
export function denseNetworkOf(model: TF.LayersModel, task: Task): DenseNetwork | undefined {
  const layers: DenseLayer[] = [];
  let hidden: Activation | undefined;
  const dense = model.layers.filter((l) => l.getClassName() !== "Dropout" && l.getClassName() !== "InputLayer");
  for (const [i, layer] of dense.entries()) {
    if (layer.getClassName() !== "Dense") return undefined;
    const config = layer.getConfig() as { activation?: string; useBias?: boolean };
    const last = i === dense.length - 1;
    const activation = config.activation ?? "linear";
    if (last ? activation !== (task === "classification" ? "softmax" : "linear") : !HIDDEN.includes(activation as Activation)) return undefined;
    if (!last) {
      if (hidden !== undefined && hidden !== activation) return undefined;
      hidden = activation as Activation;
    }
    const [kernel, bias] = layer.getWeights();
    if (kernel === undefined || kernel.shape.length !== 2) return undefined;
    const [inputs, units] = kernel.shape as [number, number];
    layers.push({ inputs, units, w: Float32Array.from(kernel.dataSync() as Float32Array), b: bias === undefined ? new Float32Array(units) : Float32Array.from(bias.dataSync() as Float32Array) });
  }
  if (layers.length === 0) return undefined;
  return new DenseNetwork(layers, hidden ?? "relu", task);
}
