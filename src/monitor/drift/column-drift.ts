import { DataError } from "../../errors";
import { METHOD_NAMES, METHODS, defaultMethod, resolveKind } from "./methods";
import type { DriftKind, DriftMethod } from "./kinds";
import { sampleOf } from "./samples";
import type { DriftValues, Sample } from "./samples";

export interface ColumnDriftOptions {
  /** Test the values as numbers or as categories; by default, Evidently's rule (see `columnDrift`). */
  readonly kind?: DriftKind;
  /** The test; by default ("auto"), Evidently's choice from the reference's size and the number of distinct values. */
  readonly method?: "auto" | DriftMethod;
  /** Where drift starts; by default the method's: 0.05 for a p-value (ks, chisquare, z), 0.1 for a distance. */
  readonly threshold?: number;
}

/** What one column's drift test found. */
export interface ColumnDrift {
  readonly kind: DriftKind;
  readonly method: DriftMethod;
  /**
   * The test's statistic: KS's D, chi², z, the normed Wasserstein distance,
   * the Jensen-Shannon distance or the PSI. NaN when a side is empty.
   */
  readonly statistic: number;
  /** The p-value, for the tests that have one (ks, chisquare, z). */
  readonly pValue?: number;
  readonly threshold: number;
  /**
   * Whether the column drifted: a p-value at or below the threshold for ks,
   * below it for chisquare and z; a distance at or above it (Evidently's
   * comparisons).
   */
  readonly drifted: boolean;
  /** The values tested on each side, after dropping missing ones. */
  readonly referenceSize: number;
  readonly currentSize: number;
  /** Set when a side has no value left after dropping missing ones: nothing was tested. */
  readonly empty?: "reference" | "current" | "both";
}

/**
 * Whether one column's distribution drifted from `reference` to `current`,
 * with Evidently's default tests and thresholds. Missing values (null, NaN,
 * ±Infinity) are dropped first.
 *
 * The column's kind follows Evidently: text and booleans are categorical;
 * integers (an Int32Array, or an array of whole numbers with nothing
 * missing) are categorical when the reference has at most 5 distinct
 * values; other numbers are numeric. The method, unless given: with at most
 * 1,000 reference values, Kolmogorov-Smirnov for numbers with more than 5
 * distinct values, else chi-squared (Z for at most 2 values), drift when
 * p < 0.05 (KS: p <= 0.05); above 1,000, the normed Wasserstein distance for
 * such numbers, else the Jensen-Shannon distance, drift when >= 0.1.
 *
 * @example
 * ```ts
 * const before = Float64Array.from({ length: 500 }, (_, i) => Math.sin(i));
 * const after = before.map((x) => x + 0.3);
 * columnDrift(before, after);                   // { kind: "numeric", method: "ks", statistic: 0.252, pValue: 2.4e-14, drifted: true, … }
 * columnDrift(["a", "b", "a"], ["b", "b", "c"]); // chisquare: "c" was never seen, so the statistic is Infinity and the p-value 0
 * columnDrift(before, after, { method: "psi" }); // { method: "psi", statistic: 3.25, threshold: 0.1, drifted: true, … }
 * ```
 */
export function columnDrift(reference: DriftValues, current: DriftValues, options: ColumnDriftOptions = {}): ColumnDrift {
  const chosen = normalizeColumnOptions(options, "columnDrift");
  return driftOfSamples(sampleOf(reference, "the reference"), sampleOf(current, "the current data"), chosen);
}

/** Options checked once: what `columnDrift` and `datasetDrift` pass down. */
export interface ChosenOptions {
  readonly kind: DriftKind | undefined;
  readonly method: DriftMethod | undefined;
  readonly threshold: number | undefined;
}

/** The drift of two samples: the core that `columnDrift` and `datasetDrift` share. */
export function driftOfSamples(reference: Sample, current: Sample, options: ChosenOptions): ColumnDrift {
  if (options.kind === "numeric") {
    const text = reference.type === "text" ? "the reference" : current.type === "text" ? "the current data" : undefined;
    if (text !== undefined) throw new DataError(`kind "numeric" needs numbers, but ${text} holds text: pass kind "categorical", or leave it out`);
  }
  const kind = options.kind ?? resolveKind(reference, current);
  const method = options.method ?? defaultMethod(reference, current, kind);
  const spec = METHODS[method];
  const threshold = options.threshold ?? spec.threshold;
  const sizes = { referenceSize: reference.size, currentSize: current.size };
  if (reference.size === 0 || current.size === 0) {
    const empty = reference.size === 0 && current.size === 0 ? "both" : reference.size === 0 ? "reference" : "current";
    return { kind, method, statistic: NaN, ...(spec.hasPValue ? { pValue: NaN } : {}), threshold, drifted: false, ...sizes, empty };
  }
  if (!spec.kinds.includes(kind)) {
    throw new DataError(`method ${JSON.stringify(method)} tests ${spec.kinds.join(" or ")} columns, and this one is ${kind}: choose ${METHOD_NAMES.filter((m) => METHODS[m].kinds.includes(kind)).join(", ")}, or leave the method out`);
  }
  const score = spec.run(reference, current, kind);
  return { kind, method, ...score, threshold, drifted: spec.drifts(score, threshold), ...sizes };
}

/** Checks `kind`, `method` and `threshold`, quoting a bad value. */
export function normalizeColumnOptions(options: ColumnDriftOptions, where: string): ChosenOptions {
  if (typeof options !== "object" || options === null) throw new DataError(`${where}: options must be an object, not ${String(options)}`);
  const { kind, method, threshold } = options;
  if (kind !== undefined && kind !== "numeric" && kind !== "categorical") {
    throw new DataError(`${where}: invalid kind ${JSON.stringify(kind)}: use "numeric" or "categorical", or leave it out`);
  }
  if (method !== undefined && method !== "auto" && !METHOD_NAMES.includes(method)) {
    throw new DataError(`${where}: invalid method ${JSON.stringify(method)}: use "auto", ${METHOD_NAMES.map((m) => JSON.stringify(m)).join(", ")}`);
  }
  if (threshold !== undefined && (typeof threshold !== "number" || !Number.isFinite(threshold))) {
    throw new DataError(`${where}: invalid threshold ${String(threshold)}: pass a finite number (a p-value level, or a distance)`);
  }
  return { kind, method: method === "auto" ? undefined : method, threshold };
}
