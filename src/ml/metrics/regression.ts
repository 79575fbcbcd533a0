import { fail, readNumbers, requireSameLength, type NumbersInput } from "./inputs";
import { mean, sum } from "./sum";

interface Pair {
  readonly yTrue: readonly number[];
  readonly yPred: readonly number[];
}

function readPair(fn: string, yTrue: NumbersInput, yPred: NumbersInput): Pair {
  const truth = readNumbers(yTrue, { fn, name: "yTrue" }).values;
  const predicted = readNumbers(yPred, { fn, name: "yPred" }).values;
  requireSameLength(fn, { name: "yTrue", length: truth.length }, { name: "yPred", length: predicted.length });
  return { yTrue: truth, yPred: predicted };
}

function squaredErrors({ yTrue, yPred }: Pair): number[] {
  return yTrue.map((y, i) => (y - (yPred[i] as number)) ** 2);
}

/**
 * The mean of |yTrue - yPred| (scikit-learn's `mean_absolute_error`).
 *
 * @example
 * ```ts
 * meanAbsoluteError([3, -0.5, 2, 7], [2.5, 0, 2, 8]); // 0.5
 * ```
 */
export function meanAbsoluteError(yTrue: NumbersInput, yPred: NumbersInput): number {
  const pair = readPair("meanAbsoluteError", yTrue, yPred);
  return mean(pair.yTrue.map((y, i) => Math.abs(y - (pair.yPred[i] as number))));
}

/**
 * The mean of (yTrue - yPred)² (scikit-learn's `mean_squared_error`).
 *
 * @example
 * ```ts
 * meanSquaredError([3, -0.5, 2, 7], [2.5, 0, 2, 8]); // 0.375
 * ```
 */
export function meanSquaredError(yTrue: NumbersInput, yPred: NumbersInput): number {
  return mean(squaredErrors(readPair("meanSquaredError", yTrue, yPred)));
}

/**
 * The square root of the mean squared error, in the units of the target
 * (scikit-learn's `mean_squared_error(..., squared=False)`).
 *
 * @example
 * ```ts
 * rootMeanSquaredError([3, -0.5, 2, 7], [2.5, 0, 2, 8]); // 0.6123…
 * ```
 */
export function rootMeanSquaredError(yTrue: NumbersInput, yPred: NumbersInput): number {
  return Math.sqrt(mean(squaredErrors(readPair("rootMeanSquaredError", yTrue, yPred))));
}

/**
 * The coefficient of determination, 1 - SS_res / SS_tot (scikit-learn's
 * `r2_score`): 1 for perfect predictions, 0 for predicting the mean, below 0
 * for worse. For a constant target (SS_tot = 0) it is 1 if the predictions
 * are perfect and 0 otherwise, like scikit-learn's default
 * `force_finite=True`; a target is constant when all its values are equal
 * (scikit-learn tests its computed variance, which rounding can leave just
 * above 0, giving a huge negative score for, say, [0.1, 0.1, 0.1]). It needs
 * at least two samples (scikit-learn returns NaN with a warning for one).
 *
 * @example
 * ```ts
 * r2Score([3, -0.5, 2, 7], [2.5, 0, 2, 8]); // 0.9486…
 * r2Score([5, 5, 5], [5, 5, 4]);            // 0: a constant target, imperfect predictions
 * ```
 */
export function r2Score(yTrue: NumbersInput, yPred: NumbersInput): number {
  const fn = "r2Score";
  const pair = readPair(fn, yTrue, yPred);
  if (pair.yTrue.length < 2) fail(fn, `yTrue has ${pair.yTrue.length} value: R² is not defined for fewer than two samples`);
  const residual = sum(squaredErrors(pair));
  // A constant target is detected exactly rather than through its variance, which rounding
  // can leave slightly above 0 (scikit-learn then returns a huge negative score).
  const first = pair.yTrue[0] as number;
  if (pair.yTrue.every((y) => y === first)) return residual === 0 ? 1 : 0;
  const average = mean(pair.yTrue);
  const total = sum(pair.yTrue.map((y) => (y - average) ** 2));
  return 1 - residual / total;
}
