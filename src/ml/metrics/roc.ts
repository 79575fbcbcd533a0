import { curveCounts, readBinaryScores, requireNegatives, type BinaryScores } from "./binary-curve";
import {
  fail,
  readProbabilities,
  requireRowsSumToOne,
  requireSameLength,
  type Label,
  type LabelsInput,
  type NumbersInput,
  type ProbabilitiesInput,
} from "./inputs";
import { formatLabel, formatLabels, indexOfLabels, readLabels, requireLabel, uniqueLabels } from "./labels";
import { sum } from "./sum";

/** Options of {@link rocCurve}. */
export interface RocCurveOptions {
  /**
   * The class the scores are for. Default: `1` when the labels are within
   * {0, 1} or {-1, 1}, `true` for booleans; other labels need it. With more
   * than two classes in `yTrue`, the curve is this class against the rest.
   */
  readonly positive?: Label;
}

/** A ROC curve: the points (fpr[i], tpr[i]) reached by predicting positive when score >= thresholds[i]. */
export interface RocCurve {
  /** False positive rates, increasing from 0 to 1. */
  readonly fpr: number[];
  /** True positive rates, increasing from 0 to 1. */
  readonly tpr: number[];
  /**
   * Decreasing thresholds. The first is the highest score plus 1, which no
   * sample reaches, so the curve starts at (0, 0).
   */
  readonly thresholds: number[];
}

/**
 * The receiver operating characteristic curve of a binary classifier, as
 * scikit-learn's `roc_curve` (with its default `drop_intermediate=True`:
 * points collinear with their neighbours are dropped; they change neither
 * the plot nor the area).
 *
 * `thresholds[0]` is the highest score + 1, as in scikit-learn up to 1.2;
 * scikit-learn 1.3 and later put `Infinity` there.
 *
 * @example
 * ```ts
 * rocCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
 * // { fpr: [0, 0, 0.5, 0.5, 1], tpr: [0, 0.5, 0.5, 1, 1], thresholds: [1.8, 0.8, 0.4, 0.35, 0.1] }
 * ```
 */
export function rocCurve(yTrue: LabelsInput, scores: NumbersInput, options: RocCurveOptions = {}): RocCurve {
  const data = readBinaryScores("rocCurve", yTrue, scores, options.positive);
  requireNegatives("rocCurve", data);
  return curveOf(data.isPositive, data.scores);
}

function curveOf(isPositive: ArrayLike<number>, scores: readonly number[]): RocCurve {
  const counts = curveCounts(isPositive, scores);
  let fps = counts.falsePositives;
  let tps = counts.truePositives;
  let thresholds = counts.thresholds;
  if (fps.length > 2) {
    // Keep the corners: a point whose second difference is zero in both counts lies on a straight segment.
    const keep = fps.map((fp, i) => {
      if (i === 0 || i === fps.length - 1) return true;
      const prevF = fps[i - 1] as number;
      const nextF = fps[i + 1] as number;
      const prevT = tps[i - 1] as number;
      const nextT = tps[i + 1] as number;
      return prevF - 2 * fp + nextF !== 0 || prevT - 2 * (tps[i] as number) + nextT !== 0;
    });
    fps = fps.filter((_, i) => keep[i]);
    tps = tps.filter((_, i) => keep[i]);
    thresholds = thresholds.filter((_, i) => keep[i]);
  }
  const negatives = fps[fps.length - 1] as number;
  const positives = tps[tps.length - 1] as number;
  return {
    fpr: [0, ...fps.map((fp) => fp / negatives)],
    tpr: [0, ...tps.map((tp) => tp / positives)],
    thresholds: [(thresholds[0] as number) + 1, ...thresholds],
  };
}

/** The area under a curve by the trapezoidal rule (scikit-learn's `auc`, for an increasing x). */
function trapezoid(x: readonly number[], y: readonly number[]): number {
  const areas: number[] = [];
  for (let i = 1; i < x.length; i++) areas.push((((x[i] as number) - (x[i - 1] as number)) * ((y[i] as number) + (y[i - 1] as number))) / 2);
  return sum(areas);
}

function binaryAuc(isPositive: ArrayLike<number>, scores: readonly number[]): number {
  const curve = curveOf(isPositive, scores);
  return trapezoid(curve.fpr, curve.tpr);
}

/** Options of {@link rocAuc}. */
export interface RocAucOptions {
  /**
   * With a probability matrix: how the one-vs-rest areas are combined.
   * `"macro"` (the default) is their mean, `"weighted"` weighs each by the
   * class's number of true samples, `"micro"` is the area of all
   * (sample, class) pairs pooled. Ignored for a binary problem.
   */
  readonly average?: "macro" | "weighted" | "micro";
  /** Multiclass strategy: one-vs-rest, the only one offered (the default). */
  readonly multiClass?: "ovr";
  /**
   * Binary scores only: the class the scores are for. Default: the greater
   * of the two labels, as scikit-learn (1 for {0, 1}, "yes" for
   * {"no", "yes"}). With more than two classes in `yTrue`, the area is this
   * class against the rest.
   */
  readonly positive?: Label;
}

/**
 * The area under the ROC curve (scikit-learn's `roc_auc_score`): the
 * probability that a random positive scores above a random negative, ties
 * counting half.
 *
 * Binary: one score per sample, for the greater label (or `positive`).
 * Multiclass: one row of class probabilities per sample, columns in sorted
 * label order, each row summing to 1 (within 1e-6); the areas of each class
 * against the rest are averaged (`average`, default `"macro"`). scikit-learn
 * asks for `multi_class="ovr"` there; here it is the default. A two-column
 * matrix for two classes is read as binary scores of its second column
 * (scikit-learn refuses it).
 *
 * @example
 * ```ts
 * rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // 0.75
 * rocAuc(["a", "b", "c"], [[0.8, 0.1, 0.1], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6]], { average: "weighted" }); // 1
 * ```
 */
export function rocAuc(yTrue: LabelsInput, scores: ProbabilitiesInput, options: RocAucOptions = {}): number {
  const fn = "rocAuc";
  const average = options.average ?? "macro";
  if (average !== "macro" && average !== "weighted" && average !== "micro") {
    fail(fn, `average is ${JSON.stringify(average)}: use "macro", "weighted" or "micro"`);
  }
  if (options.multiClass !== undefined && options.multiClass !== "ovr") {
    fail(fn, `multiClass is ${JSON.stringify(options.multiClass)}: only one-vs-rest ("ovr") is offered`);
  }
  const read = readProbabilities(scores, { fn, name: "scores" });
  if ("vector" in read) return binaryRocAuc(fn, yTrue, read.vector, options.positive);

  const truth = readLabels(yTrue, { fn, name: "yTrue" });
  requireSameLength(fn, { name: "yTrue", length: truth.values.length }, { name: "scores", length: read.rows.length, unit: "rows" });
  const classes = uniqueLabels(truth.values);
  if (classes.length < 2) onlyOneClass(fn, classes);
  if (classes.length !== read.columns) {
    fail(
      fn,
      `scores has ${read.columns} columns but yTrue holds ${classes.length} classes (${formatLabels(classes)}): ` +
        "give one column per class of yTrue, in sorted label order",
    );
  }
  if (classes.length === 2) {
    const positive = options.positive === undefined ? (classes[1] as Label) : requireLabel(fn, "positive", options.positive);
    const column = classes.indexOf(positive);
    if (column < 0) fail(fn, `the positive label ${formatLabel(positive)} is absent from yTrue, whose labels are ${formatLabels(classes)}`);
    return binaryRocAuc(fn, truth.values, read.rows.map((row) => row[column] as number), positive);
  }
  requireRowsSumToOne(read, { fn, name: "scores" });
  const index = indexOfLabels(classes);
  const classOf = truth.values.map((label) => index.get(label) as number);
  if (average === "micro") {
    const isPositive = new Uint8Array(classOf.length * classes.length);
    classOf.forEach((k, i) => {
      isPositive[i * classes.length + k] = 1;
    });
    return binaryAuc(isPositive, read.rows.flat());
  }
  const areas: number[] = [];
  const weights: number[] = [];
  classes.forEach((_, k) => {
    const isPositive = Uint8Array.from(classOf, (c) => (c === k ? 1 : 0));
    areas.push(binaryAuc(isPositive, read.rows.map((row) => row[k] as number)));
    weights.push(average === "weighted" ? classOf.filter((c) => c === k).length : 1);
  });
  return sum(areas.map((area, k) => area * (weights[k] as number))) / sum(weights);
}

function binaryRocAuc(fn: string, yTrue: LabelsInput, scores: readonly number[], positive: unknown): number {
  const truth = readLabels(yTrue, { fn, name: "yTrue" });
  const classes = uniqueLabels(truth.values);
  if (classes.length < 2) onlyOneClass(fn, classes);
  if (classes.length > 2 && positive === undefined) {
    fail(
      fn,
      `yTrue holds ${classes.length} classes (${formatLabels(classes)}) but scores has one value per sample: ` +
        "pass a probability matrix (one column per class), or { positive } to score one class against the rest",
    );
  }
  const data: BinaryScores = readBinaryScores(fn, truth.values, scores, positive ?? classes[classes.length - 1]);
  return binaryAuc(data.isPositive, data.scores);
}

function onlyOneClass(fn: string, classes: readonly Label[]): never {
  return fail(fn, `yTrue holds only one class (${formatLabels(classes)}): the area under the ROC curve needs positive and negative samples`);
}
