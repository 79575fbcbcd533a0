import { curveCounts, readBinaryScores } from "./binary-curve";
import type { Label, LabelsInput, NumbersInput } from "./inputs";
import { sum } from "./sum";

/** Options of {@link precisionRecallCurve} and {@link averagePrecision}. */
export interface PrecisionRecallCurveOptions {
  /**
   * The class the scores are for. Default: `1` when the labels are within
   * {0, 1} or {-1, 1}, `true` for booleans; other labels need it. With more
   * than two classes in `yTrue`, this class against the rest.
   */
  readonly positive?: Label;
}

/** A precision-recall curve: predicting positive when score >= thresholds[i] gives (recall[i], precision[i]). */
export interface PrecisionRecallCurve {
  /** One more than `thresholds`: the last is 1, with recall 0. */
  readonly precision: number[];
  /** Decreasing to 0. */
  readonly recall: number[];
  /** The distinct scores, increasing. */
  readonly thresholds: number[];
}

/**
 * Precision and recall at each distinct score, as scikit-learn's
 * `precision_recall_curve`: thresholds increase, recall decreases, and a
 * final point (precision 1, recall 0) closes the curve.
 *
 * @example
 * ```ts
 * precisionRecallCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
 * // { precision: [0.5, 0.666…, 0.5, 1, 1], recall: [1, 1, 0.5, 0.5, 0], thresholds: [0.1, 0.35, 0.4, 0.8] }
 * ```
 */
export function precisionRecallCurve(yTrue: LabelsInput, scores: NumbersInput, options: PrecisionRecallCurveOptions = {}): PrecisionRecallCurve {
  const data = readBinaryScores("precisionRecallCurve", yTrue, scores, options.positive);
  const counts = curveCounts(data.isPositive, data.scores);
  const precision = counts.truePositives.map((tp, i) => tp / (tp + (counts.falsePositives[i] as number)));
  const recall = counts.truePositives.map((tp) => tp / data.positives);
  return {
    precision: [...precision.reverse(), 1],
    recall: [...recall.reverse(), 0],
    thresholds: [...counts.thresholds].reverse(),
  };
}

/**
 * The area under the precision-recall curve as a step function,
 * sum over thresholds of (R[i] - R[i+1]) * P[i], without interpolation
 * (scikit-learn's `average_precision_score`, binary). With more than two
 * classes in `yTrue` and a `positive`, it scores that class against the
 * rest, as scikit-learn does for `yTrue == positive` (scikit-learn 1.2
 * refuses multiclass `yTrue` itself). scikit-learn's default `pos_label=1`
 * also picks 1 from labels such as {1, 2}; here that needs saying.
 *
 * @example
 * ```ts
 * averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]); // 0.8333…
 * averagePrecision(["ham", "spam", "spam"], [0.2, 0.9, 0.6], { positive: "spam" }); // 1
 * ```
 */
export function averagePrecision(yTrue: LabelsInput, scores: NumbersInput, options: PrecisionRecallCurveOptions = {}): number {
  const data = readBinaryScores("averagePrecision", yTrue, scores, options.positive);
  const counts = curveCounts(data.isPositive, data.scores);
  // Walking from the highest threshold, recall grows by (tp - previous tp) / positives at each step.
  const terms = counts.truePositives.map((tp, i) => {
    const previous = i === 0 ? 0 : (counts.truePositives[i - 1] as number);
    const precision = tp / (tp + (counts.falsePositives[i] as number));
    return ((tp - previous) / data.positives) * precision;
  });
  return sum(terms);
}
