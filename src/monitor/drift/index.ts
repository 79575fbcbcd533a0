/**
 * Data drift: whether a column, or a whole table, is distributed
 * differently now (`current`) than it was (`reference`), with Evidently's
 * default tests and thresholds, and the statistics computed as scipy
 * computes them (two-sample Kolmogorov-Smirnov with scipy's exact and
 * asymptotic p-values, chi-squared, Z, normed Wasserstein, Jensen-Shannon,
 * PSI).
 *
 * @example
 * ```ts
 * columnDrift(train.numbers("age"), today.numbers("age"));  // { kind: "numeric", method: "ks", statistic, pValue, drifted, … }
 * const report = datasetDrift(train, today);
 * report.drifted;                                            // whether at least half of the columns drifted
 * ```
 */
export { columnDrift } from "./column-drift";
export type { ColumnDrift, ColumnDriftOptions } from "./column-drift";
export { datasetDrift } from "./dataset-drift";
export type { DatasetColumnDrift, DatasetDrift, DatasetDriftOptions } from "./dataset-drift";
export type { DriftKind, DriftMethod } from "./kinds";
export type { DriftValues } from "./samples";
export { driftTable } from "./display";
