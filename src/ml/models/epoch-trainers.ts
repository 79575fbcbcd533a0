/**
 * The two ways trainModel runs an epoch: the layers path (the LayersModel's
 * own trainOnBatch and evaluate, on any backend) and the fused path (the
 * dense network written out over Float32Arrays, its products on the native
 * BLAS or on the wasm backend; see fused.ts). Both see the same batches in the
 * same order, and leave their weights in the same tf.LayersModel.
 */
import type * as TF from "@tensorflow/tfjs";
import { DataError } from "../../errors";
import { checkInterrupt } from "../../run-context";
import { fusedEngine } from "../backend";
import type { BackendName } from "../backend";
import { blasName, nativeBlas } from "../native";
import { FusedDenseTrainer, tfjsGemm } from "./fused";
import type { BatchSums, FusedSpec, Gemm } from "./fused";

/** One epoch at a time, whichever path computes it. */
export interface EpochTrainer {
  /** What trains: "fused, OpenBLAS 0.3.21", "fused, wasm" or "layers, wasm". */
  readonly path: string;
  /** Trains on the rows of `perm` in batches; loss and metric summed over rows. */
  epoch(perm: readonly number[], epoch: number): Promise<BatchSums>;
  /** The validation loss and metric (means over its rows), when there is validation data. */
  validate(): Promise<BatchSums | undefined>;
  /** Keeps the current weights as the best so far. */
  keepBest(): void;
  /** Leaves the trained weights (the best kept ones, when `best`) in the model and frees what training held. */
  finish(best: boolean): void;
}

/** The data an epoch trainer reads: features and one-hot (or numeric) targets, train and validation. */
export interface TrainingTensors {
  xs: TF.Tensor2D;
  ys: TF.Tensor2D;
  xv?: TF.Tensor2D;
  yv?: TF.Tensor2D;
}

/**
 * The products' engine of the fused path (see fusedEngine): the native BLAS,
 * else the wasm backend's; undefined for the layers path.
 */
export function fusedGemm(t: typeof TF): Gemm | undefined {
  const engine = fusedEngine(t.getBackend() as BackendName);
  const blas = engine === undefined ? undefined : nativeBlas();
  if (blas) {
    return {
      name: blasName(blas),
      mul(transA, transB, m, n, k, a, b, c) {
        blas.sgemm(transA, transB, m, n, k, 1, a, transA ? m : k, b, transB ? k : n, 0, c, n);
      },
    };
  }
  return engine === "wasm" ? tfjsGemm(t, "wasm") : undefined;
}

/** Runs `train` on each batch of `perm`, letting interrupts in every 100 ms and refusing a diverged loss. */
async function inBatches(perm: readonly number[], batchSize: number, epoch: number, learningRate: number, train: (idx: readonly number[]) => Promise<BatchSums> | BatchSums): Promise<BatchSums> {
  let loss = 0;
  let metric = 0;
  let yielded = performance.now();
  const batches = Math.ceil(perm.length / batchSize);
  for (let start = 0; start < perm.length; start += batchSize) {
    // A stop request (Jupyter's interrupt) arrives through the event loop: let it in every 100 ms, then check.
    if (performance.now() - yielded > 100) {
      await new Promise((done) => setImmediate(done));
      yielded = performance.now();
    }
    checkInterrupt(`epoch ${epoch}, batch ${Math.floor(start / batchSize) + 1} of ${batches}`);
    const idx = perm.slice(start, start + batchSize);
    const sums = await train(idx);
    if (!Number.isFinite(sums.loss)) {
      throw new DataError(`training diverged at epoch ${epoch}: the loss is ${sums.loss / idx.length}. Lower the learning rate (now ${learningRate}) or scale the features (StandardScaler)`);
    }
    loss += sums.loss;
    metric += sums.metric;
  }
  return { loss, metric };
}

/** The LayersModel's own training: trainOnBatch per batch, evaluate for validation. */
export function layersTrainer(t: typeof TF, model: TF.LayersModel, data: TrainingTensors, spec: FusedSpec): EpochTrainer {
  let best: TF.Tensor[] | undefined;
  return {
    path: `layers, ${t.getBackend()}`,
    epoch: (perm, epoch) =>
      inBatches(perm, spec.batchSize, epoch, spec.learningRate, async (idx) => {
        const [bx, by] = t.tidy(() => {
          const ids = t.tensor1d(idx as number[], "int32");
          return [t.gather(data.xs, ids), t.gather(data.ys, ids)];
        });
        const out = (await model.trainOnBatch(bx as TF.Tensor, by as TF.Tensor)) as number[];
        t.dispose([bx as TF.Tensor, by as TF.Tensor]);
        return { loss: (out[0] as number) * idx.length, metric: (out[1] as number) * idx.length };
      }),
    async validate() {
      if (!data.xv || !data.yv) return undefined;
      const evaluated = model.evaluate(data.xv, data.yv, { batchSize: 1024 }) as TF.Scalar[];
      const loss = (await (evaluated[0] as TF.Scalar).data())[0] as number;
      const metric = (await (evaluated[1] as TF.Scalar).data())[0] as number;
      t.dispose(evaluated);
      return { loss, metric };
    },
    keepBest() {
      best?.forEach((w) => w.dispose());
      best = model.getWeights().map((w) => w.clone());
    },
    finish(useBest) {
      if (useBest && best) model.setWeights(best);
      best?.forEach((w) => w.dispose());
    },
  };
}

/** The fused path: the model's weights copied out, trained over Float32Arrays, copied back. */
export function fusedTrainer(t: typeof TF, model: TF.LayersModel, data: TrainingTensors, spec: FusedSpec, gemm: Gemm, epochRows: number): EpochTrainer {
  const dense = model.layers.filter((l) => l.getClassName() === "Dense");
  const weights = dense.map((layer) => {
    const [kernel, bias] = layer.getWeights() as [TF.Tensor2D, TF.Tensor1D];
    const [inputs, units] = kernel.shape;
    return { kernel: kernel.dataSync() as Float32Array, bias: bias.dataSync() as Float32Array, inputs, units };
  });
  const trainer = new FusedDenseTrainer(gemm, weights, spec, epochRows);
  const x = data.xs.dataSync() as Float32Array;
  const y = data.ys.dataSync() as Float32Array;
  const xv = data.xv?.dataSync() as Float32Array | undefined;
  const yv = data.yv?.dataSync() as Float32Array | undefined;
  return {
    path: `fused, ${gemm.name}`,
    epoch: (perm, epoch) => inBatches(perm, spec.batchSize, epoch, spec.learningRate, (idx) => trainer.trainBatch(x, y, idx)),
    async validate() {
      if (!xv || !yv || !data.xv) return undefined;
      const rows = data.xv.shape[0];
      const sums = trainer.evaluate(xv, yv, rows);
      return { loss: sums.loss / rows, metric: sums.metric / rows };
    },
    keepBest: () => trainer.keepBest(),
    finish(useBest) {
      const trained = trainer.weights(useBest);
      const tensors = dense.flatMap((layer, i) => {
        const [kernel, bias] = layer.getWeights() as [TF.Tensor2D, TF.Tensor1D];
        return [t.tensor2d(trained[2 * i] as Float32Array, kernel.shape), t.tensor1d(trained[2 * i + 1] as Float32Array, bias.dtype as "float32")];
      });
      dense.forEach((layer, i) => layer.setWeights([tensors[2 * i] as TF.Tensor, tensors[2 * i + 1] as TF.Tensor]));
      t.dispose(tensors);
    },
  };
}
