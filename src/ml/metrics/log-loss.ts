import { fail, readProbabilities, requireRowsSumToOne, requireSameLength, type Label, type LabelsInput, type ProbabilitiesInput } from "./inputs";
import { compareLabels, formatLabel, formatLabels, indexOfLabels, readLabels, requireLabel, uniqueLabels } from "./labels";
import { sum } from "./sum";

/** Options of {@link logLoss}. */
export interface LogLossOptions {
  /**
   * Every class, in sorted order (the order of the probability columns).
   * Needed when `yTrue` lacks a class the probabilities cover. Default: the
   * labels of `yTrue`, sorted.
   */
  readonly labels?: readonly Label[];
  /**
   * Probabilities are clipped to [eps, 1 - eps] so that a confident mistake
   * costs a large but finite loss. Default, as scikit-learn's `eps="auto"`:
   * the machine epsilon of the input, 2^-52 (2.2e-16) for numbers and
   * Float64Array, 2^-23 (1.19e-7) for Float32Array and float32 tensors.
   */
  readonly eps?: number;
}

const FLOAT64_EPS = 2 ** -52;
const FLOAT32_EPS = 2 ** -23;

/**
 * The mean negative log-likelihood of the true labels under the predicted
 * probabilities (cross-entropy), as scikit-learn's `log_loss`: probabilities
 * are clipped to [eps, 1 - eps], each row is then divided by its sum, and
 * the natural logarithm is used.
 *
 * Binary: one probability per sample, for the greater label (the second of
 * the sorted labels). Multiclass: one row per sample, a column per class in
 * sorted label order; rows must sum to 1 within 1e-6.
 *
 * Deliberately stricter than scikit-learn 1.2, which accepts these
 * silently: probabilities outside [0, 1] (it clips them; they are most
 * likely logits), rows that do not sum to 1 within 1e-6 (it renormalizes
 * them) and labels of `yTrue` missing from `labels` (it scores those samples
 * as 0) are errors. `labels` must be listed sorted: scikit-learn sorts them
 * whatever their order, which would silently misread columns given in
 * another order.
 *
 * @example
 * ```ts
 * logLoss([0, 1, 1], [0.1, 0.8, 0.6]); // 0.2797…
 * logLoss(["ham", "spam", "spam"], [[0.9, 0.1], [0.2, 0.8], [0.4, 0.6]]); // 0.2797…
 * logLoss([0, 2], [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], { labels: [0, 1, 2] }); // 0.2899…
 * ```
 */
export function logLoss(yTrue: LabelsInput, probabilities: ProbabilitiesInput, options: LogLossOptions = {}): number {
  const fn = "logLoss";
  const truth = readLabels(yTrue, { fn, name: "yTrue" });
  const read = readProbabilities(probabilities, { fn, name: "probabilities" });
  const rows = "vector" in read ? read.vector.length : read.rows.length;
  requireSameLength(fn, { name: "yTrue", length: truth.values.length }, { name: "probabilities", length: rows, unit: "vector" in read ? "values" : "rows" });
  const eps = options.eps ?? (read.float32 ? FLOAT32_EPS : FLOAT64_EPS);
  if (typeof eps !== "number" || !(eps >= 0 && eps < 0.5)) fail(fn, `eps is ${String(eps)}: use a number from 0 (no clipping) up to, not including, 0.5`);

  const classes = options.labels === undefined ? uniqueLabels(truth.values) : checkLabelsOption(fn, options.labels);
  if (classes.length < 2) {
    fail(
      fn,
      options.labels === undefined
        ? `yTrue holds only one label (${formatLabels(classes)}): pass every class as { labels: [...] }`
        : `labels holds one class (${formatLabels(classes)}): log loss needs at least two`,
    );
  }
  const index = indexOfLabels(classes);
  const classOf = truth.values.map((label, i) => {
    const k = index.get(label);
    if (k === undefined) fail(fn, `yTrue[${i}] is ${formatLabel(label)}, which is not among labels (${formatLabels(classes)})`);
    return k;
  });

  const probabilityRows: (readonly number[])[] = [];
  if ("vector" in read) {
    if (classes.length > 2) {
      fail(fn, `probabilities has one value per sample but there are ${classes.length} classes (${formatLabels(classes)}): pass one row of class probabilities per sample`);
    }
    read.vector.forEach((p, i) => {
      requireProbability(fn, p, `probabilities[${i}]`);
      probabilityRows.push([p]);
    });
  } else {
    if (read.columns !== classes.length) {
      fail(
        fn,
        `probabilities has ${read.columns} columns but there are ${classes.length} classes (${formatLabels(classes)}): ` +
          (options.labels === undefined ? "give one column per class, or pass every class as { labels: [...] }" : "give one column per class of labels"),
      );
    }
    read.rows.forEach((row, r) => row.forEach((p, c) => requireProbability(fn, p, `probabilities row ${r}, column ${c}`)));
    requireRowsSumToOne(read, { fn, name: "probabilities" });
    // One by one: spreading hundreds of thousands of rows into push() overflows the call stack.
    for (const row of read.rows) probabilityRows.push(row);
  }

  const clip = (p: number): number => Math.min(Math.max(p, eps), 1 - eps);
  const losses = probabilityRows.map((row, i) => {
    const k = classOf[i] as number;
    // As scikit-learn: a single probability p is the row [1 - clip(p), clip(p)]; rows are clipped, then normalized.
    const clipped = row.length === 1 ? [1 - clip(row[0] as number), clip(row[0] as number)] : row.map(clip);
    return -Math.log((clipped[k] as number) / sum(clipped));
  });
  return sum(losses) / losses.length;
}

function checkLabelsOption(fn: string, labels: readonly Label[]): Label[] {
  if (!Array.isArray(labels)) fail(fn, "labels must be an array of labels");
  const checked = labels.map((label: unknown, i: number) => requireLabel(fn, `labels[${i}]`, label));
  const mixed = checked.findIndex((label) => typeof label !== typeof checked[0]);
  if (mixed > 0) fail(fn, `labels mixes ${typeof checked[0]}s and ${typeof checked[mixed]}s (${formatLabels(checked)}): use one kind of label`);
  for (let i = 1; i < checked.length; i++) {
    const order = compareLabels(checked[i - 1] as Label, checked[i] as Label);
    if (order === 0) fail(fn, `labels lists ${formatLabel(checked[i] as Label)} twice: each class once`);
    if (order > 0) {
      fail(
        fn,
        `labels must be sorted (they are the order of the probability columns, as in scikit-learn): ` +
          `got ${formatLabels(checked)}, sorted ${formatLabels([...checked].sort(compareLabels))}`,
      );
    }
  }
  return checked;
}

function requireProbability(fn: string, p: number, where: string): void {
  if (p < 0 || p > 1) fail(fn, `${where} is ${p}, not a probability (from 0 to 1): pass probabilities, e.g. a sigmoid or softmax output, not scores or logits`);
}
