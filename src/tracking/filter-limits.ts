/**
 * How big a filter may be (see "Limits" in filter.ts): generous for real use,
 * and there so that a runaway filter fails with a FilterError at the column
 * where it goes over, not with a stack overflow in the parser or SQLite
 * refusing the query.
 */

/** The most characters an expression may have. */
export const MAX_FILTER_LENGTH = 1_000_000;
/** The most nested levels in an expression, counting each `(` and each `not`. */
export const MAX_FILTER_DEPTH = 64;
/** The most conditions (comparisons, `in` lists, `is null` tests) in one filter. */
export const MAX_FILTER_TERMS = 1_000;
/** The most values in one `in` list. */
export const MAX_IN_VALUES = 10_000;
