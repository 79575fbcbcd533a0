/**
 * Evaluating a trained model on held-out data: a report of metrics, curves
 * and the confusion matrix, logged as the run's final metrics, ready for charts.
 */
import { DataError } from "../errors";
import { currentStep } from "../run-context";
import * as m from "./metrics";
import { predictRaw, toLabels } from "./models";
import type { Features, Labels, TrainedModel } from "./models";

type Label = string | number | boolean;

/** One class's ROC and precision-recall curves, one-vs-rest. */
export interface ClassCurves {
  roc: { fpr: number[]; tpr: number[]; auc: number };
  pr: { precision: number[]; recall: number[]; averagePrecision: number };
}

/** What `evaluate` returns for a classifier. A plain object: cacheable, and what the charts take. */
export interface ClassificationReport {
  readonly kind: "pipelab.report";
  readonly task: "classification";
  /** How many samples were evaluated. */
  readonly n: number;
  /** accuracy, balanced_accuracy, precision/recall/f1 (macro and weighted), log_loss, roc_auc. */
  readonly metrics: Record<string, number>;
  readonly confusion: { labels: Label[]; matrix: number[][] };
  /** Per class (by its label as text): curves against all other classes. */
  readonly curves: Record<string, ClassCurves>;
  readonly actual: Label[];
  readonly predicted: Label[];
}

/** What `evaluate` returns for a regressor. */
export interface RegressionReport {
  readonly kind: "pipelab.report";
  readonly task: "regression";
  readonly n: number;
  /** mae, mse, rmse, r2. */
  readonly metrics: Record<string, number>;
  readonly actual: number[];
  readonly predicted: number[];
}

export type EvaluationReport = ClassificationReport | RegressionReport;

export interface EvaluateOptions {
  /** Prefix of the metric names logged to the run. Default "test_": test_accuracy, test_f1_macro... */
  prefix?: string;
}

/**
 * Evaluates a model on data it was not trained on. Inside a pipeline step,
 * the report's metrics are logged to the run (as `test_accuracy`, ... with
 * the default prefix): they become the run's final metrics, and a run that
 * reuses the cached report gets them too.
 *
 * @example
 * ```ts
 * const report = await wb.step("evaluate", { model, split }, ({ model, split }) =>
 *   evaluate(model, split.xTest, split.yTest));
 * report.metrics.accuracy; // 0.97
 * wb.show.confusion(report);
 * ```
 */
export function evaluate(trained: TrainedModel, x: Features, y: Labels, options: EvaluateOptions = {}): EvaluationReport {
  const actual = toLabels(y, "the evaluation labels");
  const raw = predictRaw(trained, x);
  if (raw.length !== actual.length) throw new DataError(`the evaluation data has ${raw.length} rows of features and ${actual.length} labels`);
  const report = trained.task === "regression" ? regressionReport(raw, actual) : classificationReport(trained, raw, actual);
  const prefix = options.prefix ?? "test_";
  currentStep()?.log(Object.entries(report.metrics).map(([key, value]) => ({ key: `${prefix}${key}`, value, step: 0 })));
  return report;
}

function regressionReport(raw: number[][], labels: Label[]): RegressionReport {
  const actual = labels.map((v, i) => {
    if (typeof v !== "number") throw new DataError(`the evaluation targets must be numbers; row ${i} is ${JSON.stringify(v)}`);
    return v;
  });
  const predicted = raw.map((r) => r[0] as number);
  return {
    kind: "pipelab.report",
    task: "regression",
    n: actual.length,
    metrics: {
      mae: m.meanAbsoluteError(actual, predicted),
      mse: m.meanSquaredError(actual, predicted),
      rmse: m.rootMeanSquaredError(actual, predicted),
      r2: m.r2Score(actual, predicted),
    },
    actual,
    predicted,
  };
}

function classificationReport(trained: TrainedModel, proba: number[][], actual: Label[]): ClassificationReport {
  const classes = trained.classes as Label[];
  const known = new Set(classes);
  const unknown = [...new Set(actual.filter((v) => !known.has(v)))];
  if (unknown.length > 0) {
    throw new DataError(`the evaluation labels hold classes the model was not trained on: ${unknown.map((v) => JSON.stringify(v)).join(", ")} (its classes: ${classes.map((c) => JSON.stringify(c)).join(", ")})`);
  }
  // Probabilities from float32 softmax: renormalize each row so that they sum to 1 within float64 rounding.
  const probabilities = proba.map((row) => {
    const sum = row.reduce((s, v) => s + v, 0);
    return row.map((v) => v / sum);
  });
  const predicted = probabilities.map((row) => classes[row.indexOf(Math.max(...row))] as Label);
  const present = classes.filter((c) => actual.includes(c));
  const metrics: Record<string, number> = {
    accuracy: m.accuracy(actual, predicted),
    balanced_accuracy: m.balancedAccuracy(actual, predicted),
    precision_macro: m.precision(actual, predicted, { average: "macro" }),
    recall_macro: m.recall(actual, predicted, { average: "macro" }),
    f1_macro: m.f1(actual, predicted, { average: "macro" }),
    f1_weighted: m.f1(actual, predicted, { average: "weighted" }),
    log_loss: m.logLoss(actual, probabilities, { labels: classes }),
  };
  const curves: Record<string, ClassCurves> = {};
  for (const [j, c] of classes.entries()) {
    // A curve needs positives and negatives among the actual labels.
    if (!present.includes(c) || present.length < 2) continue;
    const scores = probabilities.map((row) => row[j] as number);
    const roc = m.rocCurve(actual, scores, { positive: c });
    const pr = m.precisionRecallCurve(actual, scores, { positive: c });
    curves[String(c)] = {
      roc: { ...roc, auc: m.rocAuc(actual, scores, { positive: c }) },
      pr: { precision: pr.precision, recall: pr.recall, averagePrecision: m.averagePrecision(actual, scores, { positive: c }) },
    };
  }
  if (present.length >= 2) {
    metrics.roc_auc =
      classes.length === 2
        ? m.rocAuc(actual, probabilities.map((row) => row[1] as number), { positive: classes[1] as Label })
        : m.rocAuc(actual, probabilities, { average: "macro" });
  }
  const confusion = m.confusionMatrix(actual, predicted, { labels: classes });
  return { kind: "pipelab.report", task: "classification", n: actual.length, metrics, confusion, curves, actual, predicted };
}
