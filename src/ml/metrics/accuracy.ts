import type { LabelsInput } from "./inputs";
import { indexOfLabels, readLabelPair, uniqueLabels } from "./labels";

/**
 * The fraction of samples whose predicted label equals the true one
 * (scikit-learn's `accuracy_score`).
 *
 * @example
 * ```ts
 * accuracy(["cat", "dog", "dog"], ["cat", "dog", "cat"]); // 0.6666…
 * ```
 */
export function accuracy(yTrue: LabelsInput, yPred: LabelsInput): number {
  const { yTrue: truth, yPred: predicted } = readLabelPair("accuracy", yTrue, yPred);
  let correct = 0;
  truth.values.forEach((label, i) => {
    if (label === predicted.values[i]) correct++;
  });
  return correct / truth.values.length;
}

/**
 * The mean of the recall of each class of `yTrue`: accuracy that an
 * imbalanced data set cannot inflate (scikit-learn's
 * `balanced_accuracy_score`). Classes that appear only in `yPred` are left
 * out, as scikit-learn does (it also warns; this does not).
 *
 * @example
 * ```ts
 * balancedAccuracy([0, 0, 0, 1], [0, 0, 0, 0]); // 0.5: every 0 found, no 1
 * ```
 */
export function balancedAccuracy(yTrue: LabelsInput, yPred: LabelsInput): number {
  const { yTrue: truth, yPred: predicted } = readLabelPair("balancedAccuracy", yTrue, yPred);
  const classes = uniqueLabels(truth.values);
  const index = indexOfLabels(classes);
  const support = new Array<number>(classes.length).fill(0);
  const hits = new Array<number>(classes.length).fill(0);
  truth.values.forEach((label, i) => {
    const k = index.get(label) as number;
    support[k] = (support[k] as number) + 1;
    if (predicted.values[i] === label) hits[k] = (hits[k] as number) + 1;
  });
  let total = 0;
  for (let k = 0; k < classes.length; k++) total += (hits[k] as number) / (support[k] as number);
  return total / classes.length;
}
