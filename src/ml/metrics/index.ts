/**
 * Evaluation metrics as plain functions, checked against scikit-learn.
 *
 * Labels may be numbers (integers), strings or booleans; numbers may come
 * as arrays, typed arrays or TensorFlow.js tensors (read with `arraySync()`,
 * never disposed: the caller owns them). Bad input is a `DataError` that
 * says what is wrong, with counts and indices.
 *
 * @example
 * ```ts
 * const yTrue = ["cat", "dog", "dog", "cat"];
 * const yPred = ["cat", "dog", "cat", "cat"];
 * accuracy(yTrue, yPred);                              // 0.75
 * f1(yTrue, yPred, { average: "macro" });              // 0.7333…
 * confusionMatrix(yTrue, yPred).matrix;                // [[2, 0], [1, 1]]
 * ```
 */
export { accuracy, balancedAccuracy } from "./accuracy";
export { confusionMatrix } from "./confusion-matrix";
export type { ConfusionMatrix, ConfusionMatrixOptions } from "./confusion-matrix";
export { f1, precision, recall } from "./precision-recall-f1";
export type { Average, ClassificationScoreOptions } from "./precision-recall-f1";
export { logLoss } from "./log-loss";
export type { LogLossOptions } from "./log-loss";
export { rocAuc, rocCurve } from "./roc";
export type { RocAucOptions, RocCurve, RocCurveOptions } from "./roc";
export { averagePrecision, precisionRecallCurve } from "./precision-recall-curve";
export type { PrecisionRecallCurve, PrecisionRecallCurveOptions } from "./precision-recall-curve";
export { meanAbsoluteError, meanSquaredError, r2Score, rootMeanSquaredError } from "./regression";
export type { Label, LabelsInput, NumbersInput, ProbabilitiesInput, TensorLike } from "./inputs";
