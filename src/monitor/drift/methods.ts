/**
 * The drift methods as plain data, with Evidently's defaults: which kinds of
 * column each takes, its default threshold, how its score is compared with
 * the threshold, and Evidently's rules for a column's kind and for the
 * method a column gets when none is asked for.
 */
import { chiSquareTest } from "./chisquare";
import { jensenShannonDistance, populationStabilityIndex } from "./distances";
import type { DriftKind, DriftMethod } from "./kinds";
import { ks2samp } from "./ks-2samp";
import type { Sample } from "./samples";
import { normedWasserstein } from "./wasserstein";
import { zTest } from "./z-test";

export interface MethodScore {
  readonly statistic: number;
  readonly pValue?: number;
}

interface MethodSpec {
  readonly kinds: readonly DriftKind[];
  /** Evidently's default threshold for the method. */
  readonly threshold: number;
  /** Whether the method's score is a p-value (else a distance). */
  readonly hasPValue: boolean;
  /** Whether the result drifts, given its score and the threshold (Evidently's comparison, which differs between tests). */
  readonly drifts: (score: MethodScore, threshold: number) => boolean;
  readonly run: (reference: Sample, current: Sample, kind: DriftKind) => MethodScore;
}

const BOTH: readonly DriftKind[] = ["numeric", "categorical"];

export const METHODS: Readonly<Record<DriftMethod, MethodSpec>> = {
  ks: {
    kinds: ["numeric"],
    threshold: 0.05,
    hasPValue: true,
    drifts: (s, t) => (s.pValue as number) <= t,
    run: (r, c) => {
      const { statistic, pValue } = ks2samp(r.numbers("the reference"), c.numbers("the current data"));
      return { statistic, pValue };
    },
  },
  // Evidently allows chisquare and z for categorical columns only, but picks them itself for numeric
  // columns of few values; here they take either kind, each distinct value a category.
  chisquare: { kinds: BOTH, threshold: 0.05, hasPValue: true, drifts: (s, t) => (s.pValue as number) < t, run: (r, c) => chiSquareTest(r, c) },
  z: { kinds: BOTH, threshold: 0.05, hasPValue: true, drifts: (s, t) => (s.pValue as number) < t, run: (r, c) => zTest(r, c) },
  wasserstein: {
    kinds: ["numeric"],
    threshold: 0.1,
    hasPValue: false,
    drifts: (s, t) => s.statistic >= t,
    run: (r, c) => ({ statistic: normedWasserstein(r.numbers("the reference"), c.numbers("the current data")) }),
  },
  jensenshannon: { kinds: BOTH, threshold: 0.1, hasPValue: false, drifts: (s, t) => s.statistic >= t, run: (r, c, kind) => ({ statistic: jensenShannonDistance(r, c, kind) }) },
  psi: { kinds: BOTH, threshold: 0.1, hasPValue: false, drifts: (s, t) => s.statistic >= t, run: (r, c, kind) => ({ statistic: populationStabilityIndex(r, c, kind) }) },
};

export const METHOD_NAMES = Object.keys(METHODS) as DriftMethod[];

/** Up to this many reference values, Evidently tests a column (KS, chi-squared, Z); above, it measures a distance. */
export const MAX_REFERENCE_FOR_TESTS = 1000;
/** Evidently: a column of at most this many distinct values is tested as categories (NUMBER_UNIQUE_AS_CATEGORICAL, and the stattest choice). */
const FEW_VALUES = 5;

/**
 * Evidently's default method (`_get_default_stattest` in
 * `stattests/registry.py`), from the size of the reference (missing values
 * dropped) and the number of distinct values in both samples together:
 *
 * | reference | numeric, > 5 values | numeric, <= 5 values | categorical |
 * | <= 1000   | ks                  | chisquare, or z for <= 2 values | chisquare, or z for <= 2 values |
 * | > 1000    | wasserstein         | jensenshannon        | jensenshannon |
 */
export function defaultMethod(reference: Sample, current: Sample, kind: DriftKind): DriftMethod {
  const values = distinctTogether(reference, current, FEW_VALUES + 1);
  if (reference.size <= MAX_REFERENCE_FOR_TESTS) {
    if (kind === "numeric" && values > FEW_VALUES) return "ks";
    return values > 2 ? "chisquare" : "z";
  }
  if (kind === "numeric" && values > FEW_VALUES) return "wasserstein";
  return "jensenshannon";
}

/**
 * Evidently's column type (`_get_column_type` in
 * `utils/data_preprocessing.py`, no column mapping): integers are
 * categorical when the reference has at most 5 distinct values (the
 * current's, when the reference has none), floats are numeric, booleans and
 * text categorical. The current data's type decides, unless the two differ
 * and one is not a number, when the reference's does.
 */
export function resolveKind(reference: Sample, current: Sample): DriftKind {
  const numericType = (t: string): boolean => t === "float" || t === "integer";
  let type = current.type === "empty" ? reference.type : current.type;
  if (reference.type !== "empty" && reference.type !== type && !(numericType(reference.type) && numericType(type))) type = reference.type;
  switch (type) {
    case "float":
    case "empty":
      return "numeric";
    case "integer":
      return (reference.distinct() || current.distinct()) <= FEW_VALUES ? "categorical" : "numeric";
    default:
      return "categorical";
  }
}

/** The number of distinct values in both samples together, counted up to `limit` (enough to choose a method). */
function distinctTogether(reference: Sample, current: Sample, limit: number): number {
  const a = reference.sorted;
  const b = current.sorted;
  if (a === undefined || b === undefined) {
    const values = new Set(reference.counts().keys());
    for (const key of current.counts().keys()) values.add(key);
    return values.size;
  }
  // Merge the sorted values, stopping at the limit: no set of a million numbers to build.
  let distinct = 0;
  let i = 0;
  let j = 0;
  while ((i < a.length || j < b.length) && distinct < limit) {
    const x = j >= b.length || (i < a.length && (a[i] as number) <= (b[j] as number)) ? (a[i] as number) : (b[j] as number);
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
    distinct++;
  }
  return distinct;
}
