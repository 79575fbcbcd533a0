import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import * as tf from "@tensorflow/tfjs";
import { DataError } from "../../src/errors";
import { initBackend } from "../../src/ml";
import { tempDir } from "../helpers/tmp";
import {
  accuracy,
  averagePrecision,
  balancedAccuracy,
  confusionMatrix,
  f1,
  logLoss,
  meanAbsoluteError,
  meanSquaredError,
  precision,
  precisionRecallCurve,
  r2Score,
  recall,
  rocAuc,
  rocCurve,
  rootMeanSquaredError,
  type Average,
  type Label,
  type ProbabilitiesInput,
} from "../../src/ml/metrics";

// ---------------------------------------------------------------------------------------
// The fixture: cases with scikit-learn's answers, written by scripts/make-metric-fixtures.py.

interface Curve {
  readonly [key: string]: number[];
}
interface LabelCase {
  name: string;
  yTrue: Label[];
  yPred: Label[];
  positive?: Label;
  confusionLabels?: Label[];
  expected: {
    accuracy: number;
    balancedAccuracy: number;
    confusionMatrix: { labels: Label[]; matrix: number[][] };
    confusionMatrixWithLabels?: { labels: Label[]; matrix: number[][] };
    precision: Partial<Record<Average, number>>;
    recall: Partial<Record<Average, number>>;
    f1: Partial<Record<Average, number>>;
  };
}
interface ScoreCase {
  name: string;
  yTrue: Label[];
  scores: number[];
  positive?: Label;
  expected: { rocCurve: Curve; precisionRecallCurve: Curve; averagePrecision: number; rocAuc: number };
}
interface ProbabilityCase {
  name: string;
  yTrue: Label[];
  probabilities: number[] | number[][];
  labels?: Label[];
  eps?: number;
  float32?: boolean;
  expected: { logLoss: number; rocAuc?: { binary?: number; macro?: number; weighted?: number; micro?: number } };
}
interface RegressionCase {
  name: string;
  yTrue: number[];
  yPred: number[];
  expected: { meanAbsoluteError: number; meanSquaredError: number; rootMeanSquaredError: number; r2Score: number };
}
interface ErrorCase {
  name: string;
  metric: string;
  args: unknown[][];
  options?: { pos_label?: Label };
  sklearnError: string;
}
interface Fixture {
  sklearn: string;
  labelCases: LabelCase[];
  scoreCases: ScoreCase[];
  probabilityCases: ProbabilityCase[];
  regressionCases: RegressionCase[];
  errorCases: ErrorCase[];
}

const fixture = JSON.parse(readFileSync(join(__dirname, "..", "fixtures", "metrics", "sklearn.json"), "utf8")) as Fixture;

const TOLERANCE = 1e-6;

function assertClose(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= TOLERANCE, `${what}: got ${actual}, scikit-learn ${fixture.sklearn} gives ${expected}`);
}

function assertCloseArrays(actual: readonly number[], expected: readonly number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} values, scikit-learn gives ${expected.length}`);
  actual.forEach((value, i) => assertClose(value, expected[i] as number, `${what}[${i}]`));
}

function assertDataError(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof DataError, `expected a DataError, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

const AVERAGES: readonly Average[] = ["binary", "macro", "weighted", "micro"];
const SCORES = { precision, recall, f1 } as const;

// ---------------------------------------------------------------------------------------

describe("metrics against scikit-learn", () => {
  it("reads a fixture made by scikit-learn", () => {
    assert.match(fixture.sklearn, /^\d+\.\d+/);
    const total = fixture.labelCases.length + fixture.scoreCases.length + fixture.probabilityCases.length + fixture.regressionCases.length;
    assert.ok(total >= 40, `only ${total} cases`);
  });

  describe("classification from labels", () => {
    for (const c of fixture.labelCases) {
      it(c.name, () => {
        assertClose(accuracy(c.yTrue, c.yPred), c.expected.accuracy, "accuracy");
        assertClose(balancedAccuracy(c.yTrue, c.yPred), c.expected.balancedAccuracy, "balancedAccuracy");
        assert.deepEqual(confusionMatrix(c.yTrue, c.yPred), c.expected.confusionMatrix, "confusionMatrix");
        if (c.confusionLabels && c.expected.confusionMatrixWithLabels) {
          assert.deepEqual(confusionMatrix(c.yTrue, c.yPred, { labels: c.confusionLabels }), c.expected.confusionMatrixWithLabels, "confusionMatrix with labels");
        }
        for (const [name, metric] of Object.entries(SCORES)) {
          const expected = c.expected[name as keyof typeof SCORES];
          for (const average of AVERAGES) {
            const options = { average, ...(c.positive === undefined ? {} : { positive: c.positive }) };
            const want = expected[average];
            if (want === undefined) {
              // The fixture leaves "binary" out where pipelab refuses it: more than two classes, or no positive class.
              assert.equal(average, "binary", `${name} ${average} missing from the fixture`);
              assert.throws(() => metric(c.yTrue, c.yPred, options), DataError, `${name} binary should be refused`);
            } else {
              assertClose(metric(c.yTrue, c.yPred, options), want, `${name} ${average}`);
            }
          }
        }
      });
    }
  });

  describe("ranking from scores", () => {
    for (const c of fixture.scoreCases) {
      it(c.name, () => {
        const options = c.positive === undefined ? {} : { positive: c.positive };
        const roc = rocCurve(c.yTrue, c.scores, options);
        for (const key of ["fpr", "tpr", "thresholds"] as const) assertCloseArrays(roc[key], c.expected.rocCurve[key] ?? [], `rocCurve ${key}`);
        const pr = precisionRecallCurve(c.yTrue, c.scores, options);
        for (const key of ["precision", "recall", "thresholds"] as const) {
          assertCloseArrays(pr[key], c.expected.precisionRecallCurve[key] ?? [], `precisionRecallCurve ${key}`);
        }
        assertClose(averagePrecision(c.yTrue, c.scores, options), c.expected.averagePrecision, "averagePrecision");
        assertClose(rocAuc(c.yTrue, c.scores, options), c.expected.rocAuc, "rocAuc");
      });
    }
  });

  describe("probabilities", () => {
    for (const c of fixture.probabilityCases) {
      it(c.name, () => {
        const probabilities: ProbabilitiesInput = c.float32
          ? isMatrix(c.probabilities)
            ? c.probabilities.map((row) => Float32Array.from(row))
            : Float32Array.from(c.probabilities)
          : c.probabilities;
        const options = { ...(c.labels ? { labels: c.labels } : {}), ...(c.eps === undefined ? {} : { eps: c.eps }) };
        assertClose(logLoss(c.yTrue, probabilities, options), c.expected.logLoss, "logLoss");
        const auc = c.expected.rocAuc;
        if (auc?.binary !== undefined) assertClose(rocAuc(c.yTrue, probabilities), auc.binary, "rocAuc");
        for (const average of ["macro", "weighted", "micro"] as const) {
          const want = auc?.[average];
          if (want !== undefined) assertClose(rocAuc(c.yTrue, probabilities, { average, multiClass: "ovr" }), want, `rocAuc ${average}`);
        }
      });
    }
  });

  describe("regression", () => {
    for (const c of fixture.regressionCases) {
      it(c.name, () => {
        assertClose(meanAbsoluteError(c.yTrue, c.yPred), c.expected.meanAbsoluteError, "meanAbsoluteError");
        assertClose(meanSquaredError(c.yTrue, c.yPred), c.expected.meanSquaredError, "meanSquaredError");
        assertClose(rootMeanSquaredError(c.yTrue, c.yPred), c.expected.rootMeanSquaredError, "rootMeanSquaredError");
        assertClose(r2Score(c.yTrue, c.yPred), c.expected.r2Score, "r2Score");
        // Typed arrays give the same answers.
        assertClose(r2Score(Float64Array.from(c.yTrue), Float64Array.from(c.yPred)), c.expected.r2Score, "r2Score of Float64Arrays");
      });
    }
  });

  describe("inputs scikit-learn refuses too", () => {
    const calls: Record<string, (args: unknown[][], options: ErrorCase["options"]) => unknown> = {
      accuracy: ([a, b]) => accuracy(a as Label[], b as Label[]),
      precision: ([a, b], options) => precision(a as Label[], b as Label[], options?.pos_label === undefined ? {} : { positive: options.pos_label }),
      rocAuc: ([a, b]) => rocAuc(a as Label[], b as number[]),
      rocCurve: ([a, b]) => rocCurve(a as Label[], b as number[]),
      logLoss: ([a, b]) => logLoss(a as Label[], b as number[] | number[][]),
      meanSquaredError: ([a, b]) => meanSquaredError(a as number[], b as number[]),
    };
    for (const c of fixture.errorCases) {
      it(`${c.name} (scikit-learn: ${c.sklearnError.slice(0, 60)})`, () => {
        const call = calls[c.metric];
        assert.ok(call, `no call for ${c.metric}`);
        const args = c.args.map((arg) => arg.map((v) => (v === "NaN" ? Number.NaN : v)));
        assert.throws(() => call(args, c.options), DataError);
      });
    }
  });
});

function isMatrix(value: number[] | number[][]): value is number[][] {
  return Array.isArray(value[0]);
}

// ---------------------------------------------------------------------------------------

describe("metric inputs and errors", () => {
  it("says which lengths differ, with the numbers", () => {
    const yTrue = Array.from({ length: 150 }, (_, i) => i % 3);
    assertDataError(() => accuracy(yTrue, yTrue.slice(1)), /^accuracy: yTrue has 150 values, yPred has 149/);
    assertDataError(() => meanSquaredError([1, 2], [1]), /yTrue has 2 values, yPred has 1/);
    assertDataError(() => logLoss([0, 1, 2], [[0.5, 0.5, 0], [0.5, 0.5, 0]]), /yTrue has 3 values, probabilities has 2 rows/);
    assertDataError(() => rocCurve([0, 1], [0.5]), /yTrue has 2 values, scores has 1/);
  });

  it("refuses empty input", () => {
    assertDataError(() => accuracy([], []), /yTrue is empty/);
    assertDataError(() => r2Score([1], []), /yPred is empty/);
    assertDataError(() => rocAuc([], []), /scores is empty/);
  });

  it("points at the first NaN in predictions and scores", () => {
    assertDataError(() => meanAbsoluteError([1, 2, 3, 4], [1, 2, Number.NaN, Number.NaN]), /yPred has NaN at index 2 \(the first of 2\)/);
    assertDataError(() => rocCurve([0, 1, 1], [0.2, 0.4, Number.NaN]), /scores has NaN at index 2/);
    assertDataError(() => accuracy([0, 1], [0, Number.NaN]), /yPred has NaN at index 1/);
    assertDataError(() => logLoss([0, 1, 2], [[1, 0, 0], [0, Number.NaN, 1], [0, 0, 1]]), /probabilities has NaN at row 1, column 1/);
    assertDataError(() => meanSquaredError([1, Infinity], [1, 2]), /yTrue has Infinity at index 1/);
  });

  it("refuses probability rows that do not sum to 1 within 1e-6, where it matters", () => {
    const rows = [
      [0.2, 0.3, 0.5],
      [0.2, 0.3, 0.4],
      [0.1, 0.1, 0.8],
    ];
    assertDataError(() => logLoss([0, 1, 2], rows), /probabilities row 1 sums to 0\.9\d* \(0\.2, 0\.3, 0\.4\), not 1 within 1e-6/);
    assertDataError(() => rocAuc([0, 1, 2], rows), /scores row 1 sums to 0\.9/);
    assertDataError(() => logLoss([0, 1, 2], [[0.2, 0.3, 0.5 + 2e-6], ...rows.slice(2), [0, 0, 1]]), /row 0 sums to 1\.000002/);
    // Within the tolerance the rows are renormalized, like scikit-learn does.
    assertClose(logLoss([0, 1], [[0.5, 0.5 + 5e-7], [0.5, 0.5]]), Math.log(2) - 0.5 * Math.log((0.5 + 5e-7) / (1 + 5e-7)) - 0.5 * Math.log(2), "renormalized");
    // Binary scores and rocCurve take any numbers: only a probability matrix must sum to 1.
    assert.equal(rocAuc([0, 1], [-3, 7]), 1);
  });

  it("refuses binary averaging over more than two classes, naming them", () => {
    assertDataError(() => precision(["a", "b", "c"], ["a", "b", "b"]), /average "binary" needs at most two classes, but yTrue and yPred hold 3: "a", "b", "c"/);
    assertDataError(() => f1([0, 1], [2, 1], { average: "binary" }), /hold 3: 0, 1, 2/);
    assertDataError(() => recall([0, 1], [0, 1], { average: "median" as Average }), /average is "median"/);
  });

  it("refuses a positive label that is absent, or that it cannot guess", () => {
    assertDataError(() => precision(["no", "yes"], ["yes", "yes"], { positive: "Yes" }), /the positive label "Yes" is absent from yTrue and yPred, which hold "no", "yes"/);
    assertDataError(() => recall([0, 0, 0], [0, 0, 0]), /the positive label 1 \(the default\) is absent/);
    assertDataError(() => f1(["no", "yes"], ["yes", "yes"]), /which label is the positive class\? yTrue and yPred hold "no", "yes": say it with \{ positive: "yes" \}/);
    assertDataError(() => rocCurve([0, 0, 2], [0.1, 0.2, 0.3], { positive: 1 }), /the positive label 1 is absent from yTrue, which holds 0, 2/);
    assertDataError(() => precisionRecallCurve([0, 0, 0], [0.1, 0.2, 0.3]), /the positive label 1 \(the default\) is absent from yTrue/);
    assertDataError(() => averagePrecision(["a", "b"], [0.1, 0.2]), /which label is the positive class\?/);
    assertDataError(() => rocCurve([1, 1, 1], [0.1, 0.2, 0.3]), /only the positive label 1: the false positive rate is undefined/);
    assertDataError(() => rocAuc([0, 1, 2], [0.1, 0.2, 0.3]), /yTrue holds 3 classes \(0, 1, 2\) but scores has one value per sample/);
    assertDataError(() => rocAuc(["a", "a"], [0.1, 0.2]), /yTrue holds only one class \("a"\)/);
  });

  it("refuses labels that are not labels, saying what they look like", () => {
    assertDataError(() => accuracy([0, 1, 1], [0.2, 0.9, 0.6]), /yPred\[0\] is 0\.2, not a class label: numeric labels must be integers\. If these are probabilities/);
    assertDataError(() => accuracy([0, "1"], [0, 1]), /yTrue mixes numbers and strings/);
    assertDataError(() => accuracy([true, false], [1, 0]), /yTrue holds booleans and yPred holds numbers/);
    assertDataError(() => accuracy([0, null] as unknown as Label[], [0, 1]), /yTrue\[1\] is null: labels must be numbers, strings or booleans/);
    assertDataError(() => accuracy("01" as unknown as Label[], [0, 1]), /yTrue must be an array, a typed array or a tensor, not the string "01"/);
    assertDataError(() => accuracy([[0, 1]] as unknown as Label[], [0]), /yTrue holds rows \(1 rows of 2\): pass one value per sample/);
    assertDataError(() => confusionMatrix([0, 1], [0, 1], { labels: [0, 0] }), /labels lists 0 twice/);
    assertDataError(() => confusionMatrix([0, 1], [0, 1], { labels: [5] }), /none of the labels \(5\) occurs in yTrue/);
  });

  it("refuses what log loss cannot score", () => {
    assertDataError(() => logLoss([0, 1], [1.5, 0.2]), /probabilities\[0\] is 1\.5, not a probability \(from 0 to 1\).*logits/);
    assertDataError(() => logLoss([1, 1], [0.2, 0.9]), /yTrue holds only one label \(1\): pass every class as \{ labels: \[\.\.\.\] \}/);
    assertDataError(() => logLoss([0, 1, 2], [0.2, 0.9, 0.3]), /one value per sample but there are 3 classes/);
    assertDataError(() => logLoss([0, 1, 2], [[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]]), /probabilities has 2 columns but there are 3 classes \(0, 1, 2\)/);
    assertDataError(() => logLoss([0, 3], [[1, 0, 0], [0, 0, 1]], { labels: [0, 1, 2] }), /yTrue\[1\] is 3, which is not among labels \(0, 1, 2\)/);
    assertDataError(() => logLoss(["b", "a"], [0.5, 0.5], { labels: ["b", "a"] }), /labels must be sorted .*got "b", "a", sorted "a", "b"/);
    assertDataError(() => logLoss([0, 1], [0.5, 0.5], { eps: 0.5 }), /eps is 0\.5/);
    assertDataError(() => logLoss([0, 1], [[0.5, 0.5], [0.5]]), /probabilities row 1 has 1 values, row 0 has 2/);
  });

  it("differs from scikit-learn where it guesses silently", () => {
    // scikit-learn: 1 - 0.01 / (rounding noise) = -1.7e31. A constant target is detected exactly.
    assert.equal(r2Score([0.1, 0.1, 0.1], [0.1, 0.1, 0.2]), 0);
    // scikit-learn takes pos_label=1 by default whenever 1 occurs.
    assertDataError(() => precision([1, 2, 1], [1, 1, 2]), /which label is the positive class\? yTrue and yPred hold 1, 2/);
    assert.equal(precision([1, 2, 1], [1, 1, 2], { positive: 1 }), 0.5);
    // scikit-learn reads the probability columns in sorted label order whatever the order of labels.
    assertDataError(() => logLoss(["b", "a"], [[0.2, 0.8], [0.7, 0.3]], { labels: ["b", "a"] }), /labels must be sorted/);
    // scikit-learn asks for multi_class="ovr" and refuses a two-column matrix for two classes.
    assertClose(rocAuc([0, 1, 1], [[0.9, 0.1], [0.4, 0.6], [0.2, 0.8]]), 1, "two columns");
  });

  it("needs two samples for R²", () => {
    assertDataError(() => r2Score([1], [1]), /r2Score: yTrue has 1 value: R² is not defined for fewer than two samples/);
  });

  it("takes typed arrays, readonly arrays, booleans and -1/1 labels", () => {
    const yTrue: readonly number[] = [1, 0, 1, 1];
    assert.equal(accuracy(Int32Array.from(yTrue), Uint8Array.from([1, 0, 0, 1])), 0.75);
    assert.equal(precision([true, false, true], [true, true, true]), 2 / 3);
    assert.equal(recall([-1, 1, 1], [1, 1, -1]), 0.5);
    assert.deepEqual(confusionMatrix([true, false], [true, true]), { labels: [false, true], matrix: [[0, 1], [0, 1]] });
  });

  it("orders string labels by code point, like Python", () => {
    // U+1F600 is above U+FB01 as a code point, below it as UTF-16 code units.
    assert.deepEqual(confusionMatrix(["\u{1F600}", "\uFB01", "a"], ["a", "a", "a"]).labels, ["a", "\uFB01", "\u{1F600}"]);
  });

  it("does not load TensorFlow.js itself", () => {
    // The answer goes to a file: on a busy machine, stdout may carry other output too.
    const file = join(tempDir("metrics-"), "loaded.json");
    const script = `require('./src/ml/metrics'); const loaded = Object.keys(require.cache).filter((f) => f.includes('@tensorflow')); require('fs').writeFileSync(${JSON.stringify(file)}, JSON.stringify(loaded));`;
    const child = spawnSync(process.execPath, ["--import", "tsx", "-e", script], { cwd: join(__dirname, "..", ".."), encoding: "utf8" });
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), []);
  });
});

// ---------------------------------------------------------------------------------------

describe("metrics of TensorFlow.js tensors", () => {
  before(async () => {
    await initBackend();
  });

  it("reads tensors like arrays, and neither leaks nor disposes tensors", () => {
    const labels = fixture.labelCases.find((c) => c.name === "four-numeric-120");
    const scored = fixture.scoreCases.find((c) => c.name === "binary-noisy-200");
    const probable = fixture.probabilityCases.find((c) => c.name === "four-numeric-120-float32");
    const regression = fixture.regressionCases.find((c) => c.name === "linear-noisy-100");
    assert.ok(labels && scored && probable && regression);

    const yTrue = tf.tensor1d(labels.yTrue as number[], "int32");
    const yPred = tf.tensor1d(labels.yPred as number[], "int32");
    const binaryTrue = tf.tensor1d(scored.yTrue as number[], "int32");
    const scores = tf.tensor1d(scored.scores);
    const sigmoidOutput = tf.tensor2d(scored.scores, [scored.scores.length, 1]);
    const probabilityTrue = tf.tensor1d(probable.yTrue as number[], "int32");
    const softmaxOutput = tf.tensor2d(probable.probabilities as number[][]);
    const regressionTrue = tf.tensor1d(regression.yTrue, "float32");
    const regressionPred = tf.tensor1d(regression.yPred, "float32");
    const booleans = tf.tensor1d([true, false, true, true], "bool");
    const strings = tf.tensor1d(["spam", "ham", "spam", "spam"], "string");
    const tensors = [yTrue, yPred, binaryTrue, scores, sigmoidOutput, probabilityTrue, softmaxOutput, regressionTrue, regressionPred, booleans, strings];

    const before = tf.memory().numTensors;
    assertClose(accuracy(yTrue, yPred), labels.expected.accuracy, "accuracy");
    assert.deepEqual(confusionMatrix(yTrue, yPred), labels.expected.confusionMatrix);
    assertClose(f1(yTrue, yPred, { average: "weighted" }), labels.expected.f1.weighted as number, "f1");
    assertClose(balancedAccuracy(yTrue, labels.yPred), labels.expected.balancedAccuracy, "tensor and array together");
    // float32 storage rounds the scores; with no ties created, the ranking metrics do not move.
    assertClose(rocAuc(binaryTrue, scores), scored.expected.rocAuc, "rocAuc");
    assertClose(averagePrecision(binaryTrue, sigmoidOutput), scored.expected.averagePrecision, "averagePrecision of an [n, 1] tensor");
    assertCloseArrays(rocCurve(binaryTrue, scores).tpr, scored.expected.rocCurve.tpr ?? [], "rocCurve tpr");
    assertCloseArrays(precisionRecallCurve(binaryTrue, sigmoidOutput).recall, scored.expected.precisionRecallCurve.recall ?? [], "precisionRecallCurve recall");
    // A float32 tensor is clipped with float32's epsilon, as scikit-learn does for float32 arrays.
    assertClose(logLoss(probabilityTrue, softmaxOutput), probable.expected.logLoss, "logLoss of a float32 tensor");
    assertClose(rocAuc(probabilityTrue, softmaxOutput, { average: "weighted" }), probable.expected.rocAuc?.weighted as number, "rocAuc of a matrix tensor");
    assertClose(r2Score(regressionTrue, regressionPred), regression.expected.r2Score, "r2Score");
    assertClose(meanAbsoluteError(regressionTrue, regressionPred), regression.expected.meanAbsoluteError, "meanAbsoluteError");
    assert.equal(accuracy(booleans, [true, true, true, false]), 0.5);
    assert.equal(precision(strings, ["spam", "spam", "ham", "spam"], { positive: "spam" }), 2 / 3);
    assert.equal(tf.memory().numTensors, before, "the metrics created or disposed tensors");
    for (const t of tensors) assert.equal(t.isDisposed, false);
    tf.dispose(tensors);
  });

  it("refuses one-hot label tensors and disposed tensors, saying what to do", () => {
    const oneHot = tf.oneHot(tf.tensor1d([0, 2, 1], "int32"), 3);
    assertDataError(() => accuracy(oneHot, [0, 2, 1]), /yTrue is a tensor of shape \[3, 3\]: pass one value per sample .*tf\.argMax\(yTrue, 1\)/);
    oneHot.dispose();
    const gone = tf.tensor1d([0, 1]);
    gone.dispose();
    assertDataError(() => accuracy([0, 1], gone), /yPred is a disposed tensor/);
  });
});

describe("logLoss on many rows", () => {
  it("takes 300,000 rows of probabilities without overflowing the call stack", () => {
    const n = 300_000;
    const y = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? "a" : "b"));
    const p = Array.from({ length: n }, (_, i) => (i % 2 === 0 ? [0.8, 0.2] : [0.3, 0.7]));
    const expected = -(Math.log(0.8) + Math.log(0.7)) / 2;
    assert.ok(Math.abs(logLoss(y, p) - expected) < 1e-9);
  });
});
