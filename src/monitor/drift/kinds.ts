/** How a column is tested: as numbers, or as categories. */
export type DriftKind = "numeric" | "categorical";

/**
 * A drift test: `ks` (two-sample Kolmogorov-Smirnov), `chisquare`, `z`
 * (two proportions), `wasserstein` (normed by the reference's standard
 * deviation), `jensenshannon` (distance), `psi` (population stability index).
 */
export type DriftMethod = "ks" | "chisquare" | "z" | "wasserstein" | "jensenshannon" | "psi";
