import { fail, type Label, type LabelsInput } from "./inputs";
import { formatLabel, formatLabels, indexOfLabels, readLabelPair, requireLabel, uniqueLabels } from "./labels";

/** Options of {@link confusionMatrix}. */
export interface ConfusionMatrixOptions {
  /**
   * The classes, in the order of the rows and columns. Samples whose true or
   * predicted label is not among them are left out. Default: every label of
   * `yTrue` and `yPred`, sorted.
   */
  readonly labels?: readonly Label[];
}

/** Counts of (true, predicted) label pairs. */
export interface ConfusionMatrix {
  /** The class of each row and each column. */
  readonly labels: Label[];
  /** `matrix[i][j]`: how many samples of class `labels[i]` were predicted as `labels[j]`. */
  readonly matrix: number[][];
}

/**
 * Counts how often each true class was predicted as each class: rows are
 * true labels, columns predicted ones (scikit-learn's `confusion_matrix`).
 * Labels are sorted like scikit-learn's `unique_labels` unless given.
 *
 * @example
 * ```ts
 * confusionMatrix(["cat", "dog", "dog"], ["cat", "cat", "dog"]);
 * // { labels: ["cat", "dog"], matrix: [[1, 0], [1, 1]] }
 * ```
 */
export function confusionMatrix(yTrue: LabelsInput, yPred: LabelsInput, options: ConfusionMatrixOptions = {}): ConfusionMatrix {
  const fn = "confusionMatrix";
  const { yTrue: truth, yPred: predicted } = readLabelPair(fn, yTrue, yPred);
  let labels: Label[];
  if (options.labels === undefined) {
    labels = uniqueLabels(truth.values, predicted.values);
  } else {
    if (!Array.isArray(options.labels) || options.labels.length === 0) fail(fn, "labels must be a non-empty array of labels");
    labels = options.labels.map((label: unknown, i: number) => requireLabel(fn, `labels[${i}]`, label));
    const seen = new Set<Label>();
    for (const label of labels) {
      if (seen.has(label)) fail(fn, `labels lists ${formatLabel(label)} twice: each class once`);
      seen.add(label);
    }
    if (!truth.values.some((label) => seen.has(label))) {
      fail(fn, `none of the labels (${formatLabels(labels)}) occurs in yTrue, whose labels are ${formatLabels(uniqueLabels(truth.values))}`);
    }
  }
  const index = indexOfLabels(labels);
  const matrix = labels.map(() => new Array<number>(labels.length).fill(0));
  truth.values.forEach((label, i) => {
    const row = index.get(label);
    const column = index.get(predicted.values[i] as Label);
    if (row === undefined || column === undefined) return;
    const counts = matrix[row] as number[];
    counts[column] = (counts[column] as number) + 1;
  });
  return { labels, matrix };
}
