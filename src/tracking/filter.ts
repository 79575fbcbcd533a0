/**
 * Run filters: which runs to list, compare or chart. A filter is a small
 * expression or an object; both compile to one SQL condition over
 * `runs r JOIN experiments e ON e.id = r.experiment_id`, whose SQL text holds
 * only fixed fragments and `?`: every key and value is a bound parameter.
 *
 * ## The expression language
 *
 * ```text
 * metrics.accuracy > 0.9 and params.model = "mlp" and status in ("finished", "crashed")
 * (params.lr <= 1e-3 or params."hidden size" >= 64) and not tags.reviewed = "yes"
 * experiment = 'penguins' and started > "2026-11-01" and name ~ "baseline"
 * params.stratify = true and metrics.val_loss is not null
 * ```
 *
 * - Fields: `params.KEY`, `metrics.KEY`, `tags.KEY`, where KEY is made of
 *   letters, digits, `_`, `-`, `.` and `/`, or is quoted (`params."hidden size"`);
 *   and the run's `id`, `name`, `status`, `experiment`, `source`, `started`,
 *   `ended`, `backend`.
 * - Operators: `=`, `!=`, `<`, `<=`, `>`, `>=`, `~` (contains, ignoring ASCII
 *   case), `in (v1, v2, ...)`, `is null`, `is not null`.
 * - Values: numbers (`3`, `-0.5`, `.5`, `1e-3`), strings in double or single
 *   quotes (`\"`, `\'` and `\\` are escapes; any other backslash is kept, so
 *   `"C:\data"` is as written), `true`, `false`, `null`.
 * - `not` binds tighter than `and`, which binds tighter than `or`; parentheses
 *   group. Keywords and field names ignore case; keys and values do not.
 * - An empty filter matches every run.
 *
 * ## What a comparison means
 *
 * - Params keep their type. `params.lr = 0.01` matches the number 0.01, not
 *   the string "0.01" (that is `params.lr = "0.01"`), and `params.lr != 0.01`
 *   does match a run whose lr is the string "0.01". Numbers compare as
 *   numbers, strings as text, booleans only with `=`, `!=` and `in`. `~` reads
 *   the stored text whatever the type, which is how a JSON param (an array, an
 *   object) is reached: `params.hidden ~ "16"`.
 * - Metrics are each metric's final value (`metric_finals`), numbers only.
 * - Tags, `name`, `experiment`, `backend`, `started` and `ended` are text and
 *   take quoted values. `started` and `ended` are ISO 8601 UTC text compared as
 *   text: `started > "2026-11-01"` is "on 1 November 2026 (UTC) or later".
 * - `status` and `source` take one of their values, and have no order.
 * - A field a run lacks (a param, metric or tag it never logged, a run without
 *   a name) matches only `is null`. So `!=` matches the runs that have the field
 *   with another value, while `not params.k = v` also matches the runs without
 *   `k`. `= null` means `is null`, `!= null` means `is not null`.
 *
 * The object form says the same with `eq`, `ne`, `lt`, `lte`, `gt`, `gte`,
 * `in` and `contains`; its entries are joined with `and`.
 *
 * ## Limits
 *
 * Generous for real use, and there so that a runaway filter (generated, or
 * pasted by mistake) fails with a FilterError at the column where it goes
 * over, not with a stack overflow in the parser or SQLite refusing the query:
 *
 * - {@link MAX_FILTER_LENGTH}: 1,000,000 characters in an expression.
 * - {@link MAX_FILTER_DEPTH}: 64 levels of nesting, counting each `(` and
 *   each `not` (`not (a or not b)` is 3 deep).
 * - {@link MAX_FILTER_TERMS}: 1,000 conditions (comparisons, `in` lists and
 *   `is null` tests) in one filter, or entries in an object filter.
 * - {@link MAX_IN_VALUES}: 10,000 values in one `in` list. The list is bound
 *   as one JSON parameter, so its length costs SQLite nothing; more values
 *   than this can be split over several `in` lists joined with `or`.
 *
 * Any filter within all four compiles to SQL that SQLite accepts: long `and`
 * and `or` chains are written as nested groups of at most 8, so that even the
 * deepest filter within the limits takes about half of the 1,000 levels
 * SQLite allows an expression.
 */
import { fromObject } from "./filter-object";
import { parseFilter } from "./filter-parser";
import { toSql } from "./filter-sql";
import type { SqlDialect } from "./filter-sql";
import type { RunFilter } from "./filter-tree";

// The language's parts, one module each: limits, error, tree, fields and value checks,
// lexer, parser, object form, SQL. This module is their public face.
export { FilterError } from "./filter-error";
export { MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, MAX_FILTER_TERMS, MAX_IN_VALUES } from "./filter-limits";
export { parseFilter } from "./filter-parser";
export type {
  Comparison,
  FilterField,
  FilterNode,
  FilterObject,
  FilterOperator,
  FilterScalar,
  FilterValue,
  RunColumn,
  RunFilter,
} from "./filter-tree";

/**
 * Compiles a filter (an expression or an object) into a SQL boolean expression
 * over `runs r JOIN experiments e ON e.id = r.experiment_id`, with `?`
 * placeholders, and the values to bind to them, in order; in SQLite's dialect
 * unless told PostgreSQL's.
 *
 * @throws FilterError when the filter is invalid.
 * @example
 * ```ts
 * const { where, params } = compileFilter("metrics.accuracy > 0.9 and experiment = 'penguins'");
 * db.prepare(`SELECT r.id FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE ${where}`).all(...params);
 * ```
 */
export function compileFilter(filter: RunFilter, dialect: SqlDialect = "sqlite"): { where: string; params: unknown[] } {
  const node = typeof filter === "string" ? parseFilter(filter) : fromObject(filter);
  const params: unknown[] = [];
  return { where: toSql(node, params, dialect), params };
}
