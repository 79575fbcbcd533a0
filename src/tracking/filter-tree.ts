/**
 * The shapes of a filter: the object form a caller writes, and the typed tree
 * that both forms (expression and object) are parsed into and that the SQL
 * compiler reads.
 */

/** A value in a filter. `null` is "the run lacks this field". */
export type FilterValue = number | string | boolean | null;

/** A value (shorthand for `eq`) or one or more comparisons, all of which must hold. */
export type Comparison =
  | FilterValue
  | {
      eq?: FilterValue;
      ne?: FilterValue;
      lt?: number | string;
      lte?: number | string;
      gt?: number | string;
      gte?: number | string;
      in?: FilterValue[];
      contains?: string;
    };

/**
 * A filter as an object; every entry must hold.
 *
 * @example
 * ```ts
 * const filter: FilterObject = { metrics: { accuracy: { gt: 0.9 } }, params: { model: "mlp" }, status: { in: ["finished"] } };
 * ```
 */
export interface FilterObject {
  /** Run parameters by key. */
  params?: Record<string, Comparison>;
  /** Final metric values by key. */
  metrics?: Record<string, Comparison>;
  tags?: Record<string, Comparison>;
  /** running | finished | failed | killed | crashed */
  status?: Comparison;
  experiment?: Comparison;
  name?: Comparison;
  /** source_kind: notebook | script | interactive */
  source?: Comparison;
  /** Started strictly after this time; an ISO string compares as text with `runs.started_at`. */
  startedAfter?: Date | string;
  /** Started strictly before this time. */
  startedBefore?: Date | string;
}

/** A filter: an expression (see the module comment of filter.ts) or an object. */
export type RunFilter = string | FilterObject;

/** A column of the run (or of its experiment) that a filter can name. */
export type RunColumn = "id" | "name" | "status" | "experiment" | "source" | "started" | "ended" | "backend";

/** What a comparison looks at: a keyed value of the run, or one of its columns. */
export type FilterField = { scope: "params" | "metrics" | "tags"; key: string } | { scope: "run"; column: RunColumn };

export type FilterOperator = "=" | "!=" | "<" | "<=" | ">" | ">=" | "~";

/** A value a comparison can hold (null becomes an `isNull` node). */
export type FilterScalar = Exclude<FilterValue, null>;

/**
 * A parsed filter. `position` is the 0-based column of the field in the
 * expression, -1 for object filters. An `and` without operands matches every run.
 */
export type FilterNode =
  | { kind: "and"; operands: FilterNode[] }
  | { kind: "or"; operands: FilterNode[] }
  | { kind: "not"; operand: FilterNode }
  | { kind: "compare"; field: FilterField; op: FilterOperator; value: FilterScalar; position: number }
  | { kind: "in"; field: FilterField; values: FilterScalar[]; position: number }
  | { kind: "isNull"; field: FilterField; negated: boolean; position: number };
