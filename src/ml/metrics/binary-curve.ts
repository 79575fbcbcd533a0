import { fail, readNumbers, requireSameLength, type Label, type LabelsInput, type NumbersInput } from "./inputs";
import { formatLabel, readLabels, resolvePositive, uniqueLabels } from "./labels";

/**
 * False and true positives counted at each distinct score, from the highest
 * (scikit-learn's `_binary_clf_curve`): at `thresholds[i]`, the samples
 * scoring at least that much are predicted positive.
 */
export interface CurveCounts {
  readonly falsePositives: number[];
  readonly truePositives: number[];
  /** Distinct scores, decreasing. */
  readonly thresholds: number[];
}

/** Positives and scores read and checked, for a curve of one class against the rest. */
export interface BinaryScores {
  readonly isPositive: Uint8Array;
  readonly scores: readonly number[];
  readonly positive: Label;
  readonly positives: number;
  readonly negatives: number;
  readonly labels: readonly Label[];
}

/**
 * Reads `yTrue` and one score per sample for a curve of the positive class
 * against the rest. The positive class must occur in `yTrue`.
 */
export function readBinaryScores(fn: string, yTrue: LabelsInput, scores: NumbersInput, positive: unknown): BinaryScores {
  const truth = readLabels(yTrue, { fn, name: "yTrue" });
  const { values } = readNumbers(scores, { fn, name: "scores" });
  requireSameLength(fn, { name: "yTrue", length: truth.values.length }, { name: "scores", length: values.length });
  const labels = uniqueLabels(truth.values);
  const label = resolvePositive(fn, positive, labels, "yTrue");
  const isPositive = new Uint8Array(truth.values.length);
  let positives = 0;
  truth.values.forEach((value, i) => {
    if (value === label) {
      isPositive[i] = 1;
      positives++;
    }
  });
  return { isPositive, scores: values, positive: label, positives, negatives: values.length - positives, labels };
}

/** Throws unless `yTrue` holds negatives too: without them a false positive rate is undefined. */
export function requireNegatives(fn: string, data: BinaryScores): void {
  if (data.negatives === 0) {
    fail(fn, `yTrue holds only the positive label ${formatLabel(data.positive)}: the false positive rate is undefined without negative samples`);
  }
}

/** Counts false and true positives at each distinct score, highest first. */
export function curveCounts(isPositive: ArrayLike<number>, scores: readonly number[]): CurveCounts {
  const order = Array.from(scores.keys()).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  const falsePositives: number[] = [];
  const truePositives: number[] = [];
  const thresholds: number[] = [];
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k] as number;
    if (isPositive[i] === 1) tp++;
    else fp++;
    const next = order[k + 1];
    if (next === undefined || scores[next] !== scores[i]) {
      falsePositives.push(fp);
      truePositives.push(tp);
      thresholds.push(scores[i] as number);
    }
  }
  return { falsePositives, truePositives, thresholds };
}
