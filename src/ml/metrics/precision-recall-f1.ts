import { fail, type Label, type LabelsInput } from "./inputs";
import { formatLabels, indexOfLabels, readLabelPair, resolvePositive, uniqueLabels } from "./labels";

/**
 * How per-class scores become one number:
 * - `"binary"`: the score of the positive class alone (two classes at most);
 * - `"macro"`: the unweighted mean over the classes;
 * - `"weighted"`: the mean weighted by each class's number of true samples;
 * - `"micro"`: one score from the true and false positives of all classes
 *   together (for single-label multiclass data it equals accuracy).
 */
export type Average = "binary" | "macro" | "weighted" | "micro";

const AVERAGES: readonly Average[] = ["binary", "macro", "weighted", "micro"];

/** Options of {@link precision}, {@link recall} and {@link f1}. */
export interface ClassificationScoreOptions {
  /** Default `"binary"`, as in scikit-learn. */
  readonly average?: Average;
  /**
   * The positive class when `average` is `"binary"` (ignored otherwise).
   * Default: `1` when the labels are within {0, 1} or {-1, 1}, `true` for
   * booleans; other labels (strings, say) need it. scikit-learn's default
   * `pos_label=1` also picks 1 from labels such as {1, 2}; here that needs
   * saying. A positive label found in neither `yTrue` nor `yPred` is an
   * error (scikit-learn returns 0 when only one other label is present).
   */
  readonly positive?: Label;
}

interface Scores {
  precision: number;
  recall: number;
  f1: number;
}

/** Per-class counts, then averaged: scikit-learn's `precision_recall_fscore_support` with `zero_division=0`. */
function scores(fn: string, yTrue: LabelsInput, yPred: LabelsInput, options: ClassificationScoreOptions): Scores {
  const { yTrue: truth, yPred: predicted } = readLabelPair(fn, yTrue, yPred);
  const average = options.average ?? "binary";
  if (!AVERAGES.includes(average)) fail(fn, `average is ${JSON.stringify(average)}: use one of ${AVERAGES.map((a) => `"${a}"`).join(", ")}`);
  const present = uniqueLabels(truth.values, predicted.values);
  let labels: Label[];
  if (average === "binary") {
    if (present.length > 2) {
      fail(
        fn,
        `average "binary" needs at most two classes, but yTrue and yPred hold ${present.length}: ${formatLabels(present)}. ` +
          'Pass { average: "macro" } (or "weighted", "micro") to score them all',
      );
    }
    labels = [resolvePositive(fn, options.positive, present, "yTrue and yPred")];
  } else {
    labels = present;
  }
  const index = indexOfLabels(labels);
  const truePositives = new Array<number>(labels.length).fill(0);
  const predictedCount = new Array<number>(labels.length).fill(0);
  const trueCount = new Array<number>(labels.length).fill(0);
  truth.values.forEach((label, i) => {
    const guess = predicted.values[i] as Label;
    const t = index.get(label);
    const p = index.get(guess);
    if (t !== undefined) trueCount[t] = (trueCount[t] as number) + 1;
    if (p !== undefined) predictedCount[p] = (predictedCount[p] as number) + 1;
    if (t !== undefined && label === guess) truePositives[t] = (truePositives[t] as number) + 1;
  });
  if (average === "micro") {
    return classScores(total(truePositives), total(predictedCount), total(trueCount));
  }
  const perClass = labels.map((_, k) => classScores(truePositives[k] as number, predictedCount[k] as number, trueCount[k] as number));
  const weights = average === "weighted" ? trueCount : labels.map(() => 1);
  const weightSum = total(weights);
  const mean = (pick: (s: Scores) => number): number => perClass.reduce((acc, s, k) => acc + pick(s) * (weights[k] as number), 0) / weightSum;
  return { precision: mean((s) => s.precision), recall: mean((s) => s.recall), f1: mean((s) => s.f1) };
}

function total(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

// Zero division gives 0, like scikit-learn's default (which also warns each time).
function classScores(truePositives: number, predicted: number, actual: number): Scores {
  const precision = predicted === 0 ? 0 : truePositives / predicted;
  const recall = actual === 0 ? 0 : truePositives / actual;
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

/**
 * Of the samples predicted as a class, the fraction that truly are:
 * tp / (tp + fp) (scikit-learn's `precision_score`). A class never predicted
 * scores 0, as with scikit-learn's default `zero_division`, without a
 * warning.
 *
 * @example
 * ```ts
 * precision([0, 1, 1, 0], [0, 1, 0, 1]);                                  // 0.5 (positive 1)
 * precision(["a", "b", "c"], ["a", "b", "b"], { average: "macro" });      // 0.5
 * precision(["spam", "ham"], ["spam", "spam"], { positive: "spam" });     // 0.5
 * ```
 */
export function precision(yTrue: LabelsInput, yPred: LabelsInput, options: ClassificationScoreOptions = {}): number {
  return scores("precision", yTrue, yPred, options).precision;
}

/**
 * Of the samples of a class, the fraction predicted as it: tp / (tp + fn)
 * (scikit-learn's `recall_score`). A class absent from `yTrue` scores 0, as
 * with scikit-learn's default `zero_division`, without a warning.
 *
 * @example
 * ```ts
 * recall([0, 1, 1, 0], [0, 1, 0, 1]);                                 // 0.5
 * recall(["a", "b", "c"], ["a", "b", "b"], { average: "weighted" });  // 0.6666…
 * ```
 */
export function recall(yTrue: LabelsInput, yPred: LabelsInput, options: ClassificationScoreOptions = {}): number {
  return scores("recall", yTrue, yPred, options).recall;
}

/**
 * The harmonic mean of precision and recall, 2pr / (p + r), per class then
 * averaged (scikit-learn's `f1_score`). It is 0 when precision and recall are
 * both 0, including when they are undefined (zero division gives 0, as with
 * scikit-learn's default, without a warning).
 *
 * @example
 * ```ts
 * f1([0, 1, 1, 0], [0, 1, 0, 1]);                                 // 0.5
 * f1(["a", "b", "c"], ["a", "b", "b"], { average: "micro" });     // 0.6666…
 * ```
 */
export function f1(yTrue: LabelsInput, yPred: LabelsInput, options: ClassificationScoreOptions = {}): number {
  return scores("f1", yTrue, yPred, options).f1;
}
