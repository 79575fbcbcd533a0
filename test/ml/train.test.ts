import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import * as dfd from "danfojs-node";
import { decode, encode } from "../../src/cache";
import { DataError } from "../../src/errors";
import { initBackend, predict, predictProba, trainModel } from "../../src/ml";
import type { TrainedModel } from "../../src/ml";
import { seededRandom } from "../../src/ml";

/** Two noisy clusters per class in 3-D: a small, learnable classification problem. */
function blobs(n: number, seed: number): { x: number[][]; y: string[] } {
  const r = seededRandom(seed);
  const centers: Record<string, number[]> = { a: [0, 0, 0], b: [3, 3, 0], c: [0, 3, 3] };
  const x: number[][] = [];
  const y: string[] = [];
  for (let i = 0; i < n; i++) {
    const label = ["a", "b", "c"][i % 3] as string;
    x.push((centers[label] as number[]).map((c) => c + (r() - 0.5) * 1.5));
    y.push(label);
  }
  return { x, y };
}

describe("trainModel", () => {
  const train = blobs(300, 1);
  const val = blobs(90, 2);
  const options = { task: "classification" as const, hidden: [8], epochs: 15, learningRate: 0.05, seed: 11, progress: false, dropout: 0.1 };

  it("is deterministic for a seed: identical weights and history, run after run", async () => {
    const a = await trainModel({ ...train, validation: val }, options);
    const b = await trainModel({ ...train, validation: val }, options);
    assert.deepEqual(a.history, b.history);
    const wa = a.model.getWeights().map((w) => Array.from(w.dataSync()));
    const wb = b.model.getWeights().map((w) => Array.from(w.dataSync()));
    assert.deepEqual(wa, wb);
    const c = await trainModel({ ...train, validation: val }, { ...options, seed: 12 });
    assert.notDeepEqual(c.model.getWeights().map((w) => Array.from(w.dataSync())), wa, "another seed, other weights");
    [a, b, c].forEach((m) => m.model.dispose());
  });

  it("learns: validation accuracy, predictions and probabilities", async () => {
    const m = await trainModel({ ...train, validation: val }, options);
    assert.deepEqual(m.classes, ["a", "b", "c"]);
    assert.equal(m.history.length, 15);
    assert.ok((m.history.at(-1)?.val_accuracy ?? 0) > 0.9, `val_accuracy ${m.history.at(-1)?.val_accuracy}`);
    const p = predict(m, val.x);
    assert.ok(p.filter((v, i) => v === val.y[i]).length / val.y.length > 0.9);
    const proba = predictProba(m, val.x.slice(0, 2));
    for (const row of proba) assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-5);
    m.model.dispose();
  });

  it("stops early and keeps the best weights", async () => {
    const m = await trainModel({ ...train, validation: val }, { ...options, epochs: 200, earlyStopping: { patience: 3, monitor: "val_loss" } });
    assert.ok(m.history.length < 200, `stopped after ${m.history.length} epochs`);
    const best = Math.min(...m.history.map((h) => h.val_loss as number));
    assert.equal(m.history[m.bestEpoch - 1]?.val_loss, best);
    m.model.dispose();
  });

  it("trains a linear regression", async () => {
    const r = seededRandom(3);
    const x = Array.from({ length: 200 }, () => [r() * 2 - 1, r() * 2 - 1]);
    const y = x.map(([a, b]) => 3 * (a as number) - 2 * (b as number) + 0.5);
    const m = await trainModel({ x, y }, { task: "regression", epochs: 120, learningRate: 0.1, seed: 1, progress: false });
    const pred = predict(m, [[0.5, -0.5]]) as number[];
    assert.ok(Math.abs((pred[0] as number) - 3) < 0.1, `predicted ${pred[0]}, expected 3`);
    m.model.dispose();
  });

  it("takes danfo DataFrames and checks their columns at prediction", async () => {
    const frame = new dfd.DataFrame({ u: train.x.map((r) => r[0]), v: train.x.map((r) => r[1]), w: train.x.map((r) => r[2]) });
    const m = await trainModel({ x: frame, y: new dfd.Series(train.y) }, { ...options, epochs: 3 });
    assert.deepEqual(m.features, ["u", "v", "w"]);
    const shuffledColumns = new dfd.DataFrame({ w: [0], u: [0], v: [0] });
    assert.equal(predict(m, shuffledColumns).length, 1, "columns are matched by name, not position");
    assert.throws(() => predict(m, new dfd.DataFrame({ u: [0], v: [0] })), /does not have the columns the model was trained on: missing "w"/);
    assert.throws(() => predict(m, new dfd.DataFrame({ u: [0], v: [0], w: [0], z: [1] })), /extra "z"/);
    m.model.dispose();
  });

  it("refuses bad input clearly, naming the column: text, missing values, label mismatch, shapes", async () => {
    const frame = new dfd.DataFrame({ mass: [1, 2, Number.NaN, 4], island: ["a", "b", "a", "b"] });
    await assert.rejects(
      trainModel({ x: frame.loc({ columns: ["island"] }), y: ["x", "y", "x", "y"] }, options),
      (e: unknown) => e instanceof DataError && /column "island" holds text .*encode it with OneHotEncoder or LabelEncoder/.test(e.message),
    );
    await assert.rejects(trainModel({ x: frame.loc({ columns: ["mass"] }), y: ["x", "y", "x", "y"] }, options), /feature "mass" is NaN at row 2; impute/);
    await assert.rejects(trainModel({ ...train, validation: { x: val.x, y: val.y.map((v) => (v === "c" ? "d" : v)) } }, options), /validation labels has labels the training data does not: "d"/);
    await assert.rejects(trainModel({ x: train.x, y: train.y.slice(1) }, options), /300 rows of features and 299 labels/);
    await assert.rejects(trainModel({ x: [[1, 2], [3]], y: ["a", "b"] }, options), /row 1 has 1 values, row 0 has 2/);
    await assert.rejects(trainModel({ x: train.x, y: train.y.map(() => "a") }, options), /at least two classes/);
    await assert.rejects(trainModel({ ...train }, { ...options, learningRate: -1 }), /invalid learningRate -1/);
  });

  it("leaves no tensors behind but the model's own, and none after the model is disposed", async () => {
    await initBackend();
    const before = tf.memory().numTensors;
    const m = await trainModel({ ...train, validation: val }, { ...options, epochs: 3 });
    predict(m, val.x);
    predictProba(m, val.x);
    m.model.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  it("is cacheable: the trained model round-trips through the cache codec and predicts the same", async () => {
    const m = await trainModel({ ...train, validation: val }, { ...options, epochs: 5 });
    const back = (await decode(await encode(m))) as TrainedModel;
    assert.deepEqual(back.classes, m.classes);
    assert.deepEqual(back.history, m.history);
    assert.deepEqual(predictProba(back, val.x), predictProba(m, val.x));
    m.model.dispose();
    back.model.dispose();
  });
});

describe("trainModel with imbalanced classes", () => {
  it("oversamples the smaller classes deterministically, and that lifts their recall", async () => {
    const r = seededRandom(5);
    // 300 of class "common", 30 of "rare", overlapping a little.
    const x: number[][] = [];
    const y: string[] = [];
    for (let i = 0; i < 330; i++) {
      const rare = i >= 300;
      x.push([(rare ? 0.5 : 0) + r() - 0.5, (rare ? 0.5 : 0) + r() - 0.5]);
      y.push(rare ? "rare" : "common");
    }
    const base = { task: "classification" as const, hidden: [8], epochs: 20, learningRate: 0.05, seed: 2, progress: false };
    const plain = await trainModel({ x, y }, base);
    const balanced = await trainModel({ x, y }, { ...base, balance: "oversample" });
    const again = await trainModel({ x, y }, { ...base, balance: "oversample" });
    assert.deepEqual(balanced.history, again.history, "deterministic");
    const recall = (m: typeof plain) => predict(m, x.slice(300)).filter((p) => p === "rare").length / 30;
    assert.ok(recall(balanced) > recall(plain), `rare recall: ${recall(plain)} plain, ${recall(balanced)} oversampled`);
    await assert.rejects(trainModel({ x, y: x.map(() => 1) }, { task: "regression", seed: 1, balance: "oversample", progress: false }), /"oversample" is for classification/);
    [plain, balanced, again].forEach((m) => m.model.dispose());
  });
});
