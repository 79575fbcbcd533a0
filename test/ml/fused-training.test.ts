import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { trainModel } from "../../src/ml";
import type { TrainData, TrainOptions } from "../../src/ml";
import { FUSED_TRAINING_ENV } from "../../src/ml/backend";
import { seededRandom } from "../../src/ml/random";

// The fused training path computes what the LayersModel computes: the same model, the same
// batches, tfjs's losses and optimizers written out. Its histories follow the layers path's to
// float tolerance (another order of summation), and repeat bit for bit.

function blobs(rows: number, features: number, classes: number, seed: number): { x: number[][]; y: number[]; t: number[] } {
  const draw = seededRandom(seed);
  const centers = Array.from({ length: classes }, () => Array.from({ length: features }, () => draw() * 4 - 2));
  const x: number[][] = [];
  const y: number[] = [];
  const t: number[] = [];
  for (let i = 0; i < rows; i++) {
    const c = i % classes;
    const row = (centers[c] as number[]).map((m) => m + (draw() - 0.5) * 2);
    x.push(row);
    y.push(c);
    t.push(row.reduce((a, b) => a + b, 0) * 0.5 + draw() * 0.1);
  }
  return { x, y, t };
}

async function both(data: TrainData, options: TrainOptions) {
  const before = process.env[FUSED_TRAINING_ENV];
  try {
    process.env[FUSED_TRAINING_ENV] = "0";
    const layers = await trainModel(data, { progress: false, ...options });
    delete process.env[FUSED_TRAINING_ENV];
    const fused = await trainModel(data, { progress: false, ...options });
    return { layers, fused };
  } finally {
    if (before === undefined) delete process.env[FUSED_TRAINING_ENV];
    else process.env[FUSED_TRAINING_ENV] = before;
  }
}

function close(a: readonly Record<string, number>[], b: readonly Record<string, number>[], what: string, tolerance = 2e-4): void {
  assert.equal(a.length, b.length, what);
  a.forEach((entry, i) => {
    for (const [key, value] of Object.entries(entry)) {
      const other = b[i]?.[key] as number;
      assert.ok(Math.abs(value - other) <= tolerance * Math.max(1, Math.abs(value)), `${what}: epoch ${i + 1} ${key}: layers ${value}, fused ${other}`);
    }
  });
}

describe("the fused training path", () => {
  const { x, y, t } = blobs(300, 6, 3, 11);
  const validation = { x: x.slice(0, 60), y: y.slice(0, 60) };

  for (const optimizer of ["adam", "sgd", "rmsprop"] as const) {
    for (const activation of ["relu", "tanh", "sigmoid", "elu", "selu"] as const) {
      it(`follows the layers path: classification, ${optimizer}, ${activation}`, async () => {
        const { layers, fused } = await both({ x, y, validation }, { task: "classification", hidden: [8, 5], activation, optimizer, learningRate: 0.02, epochs: 4, batchSize: 32, seed: 3 });
        assert.match(fused.trainedOn ?? "", /^fused, /);
        assert.match(layers.trainedOn ?? "", /^layers, /);
        close(layers.history, fused.history, `${optimizer}/${activation}`);
      });
    }
  }

  it("follows the layers path: regression with mean squared error", async () => {
    const { layers, fused } = await both({ x, y: t }, { task: "regression", hidden: [7], learningRate: 0.01, epochs: 5, batchSize: 25, seed: 4 });
    close(layers.history, fused.history, "regression");
  });

  it("takes a batch size larger than the data (one batch an epoch) without allocating for it", async () => {
    const { layers, fused } = await both({ x, y, validation }, { task: "classification", hidden: [6], epochs: 3, batchSize: 1_000_000_000, seed: 6 });
    close(layers.history, fused.history, "one batch");
  });

  it("follows the layers path with no hidden layer (logistic regression)", async () => {
    const { layers, fused } = await both({ x, y }, { task: "classification", epochs: 3, batchSize: 50, seed: 5 });
    close(layers.history, fused.history, "softmax regression");
  });

  it("repeats bit for bit, dropout and early stopping included, and leaves a model that predicts", async () => {
    const options: TrainOptions = { task: "classification", hidden: [16], dropout: 0.3, epochs: 12, batchSize: 16, seed: 9, progress: false, earlyStopping: { patience: 3 } };
    const first = await trainModel({ x, y, validation }, options);
    const second = await trainModel({ x, y, validation }, options);
    assert.deepEqual(first.history, second.history);
    assert.equal(first.bestEpoch, second.bestEpoch);
    assert.deepEqual(first.model.getWeights().map((w) => Array.from(w.dataSync())), second.model.getWeights().map((w) => Array.from(w.dataSync())));
    const last = first.history.at(-1) as Record<string, number>;
    assert.ok((last.accuracy as number) > 0.8, `it learns: accuracy ${last.accuracy}`);
  });
});
