/**
 * Runs side by side: their params and final metrics as columns, the columns
 * whose values differ across the runs marked, each metric's range. In three
 * parts: the SQL (column selection and paging done by SQLite, each run's
 * columns gathered into JSON), reading its rows back through a shape check,
 * and a tally of the columns, fed as the rows are read.
 */
import type { StoreConnection } from "./connection";
import { decodeParam, isParamType } from "./param-codec";
import type { ParamType } from "./param-codec";
import { orderSql, orderTerms } from "./run-order";
import { countRuns, selection } from "./run-queries";
import type { SqlDialect } from "./filter-sql";
import { aNumber, parseStoredJson, recordOf } from "./stored-json";
import type { Shape } from "./stored-json";
import type { CompareQuery, ComparedRun, ParamValue, RunComparison, RunId, RunStatus } from "./types";

export function compareRuns(conn: StoreConnection, q: CompareQuery = {}): RunComparison {
  const { sql, args } = comparisonSql(q, "sqlite");
  return comparisonOf(conn.db.prepare(sql).raw().all(...args) as ComparisonRow[], q, countRuns(conn, q));
}

/** The comparison of the rows comparisonSql selected, of `total` runs in all. */
export function comparisonOf(rows: readonly ComparisonRow[], q: CompareQuery, total: number): RunComparison {
  // One pass: each row is read and its columns tallied as it goes (10,000 runs, 15 columns each).
  const columns = new ColumnTally();
  const runs = rows.map((row) => readRow(row, columns));
  return { total, offset: q.offset ?? 0, ...columns.summary(q, runs.length), runs };
}

// ---------------------------------------------------------------------------
// The SQL.

/** The columns of a ComparisonRow before its JSON, each named apart (PostgreSQL's rows are objects: two "name" would be one). */
const ROW_COLUMNS = "r.id AS id, r.name AS run_name, e.name AS experiment, r.status AS status, r.started_at AS started_at, r.ended_at AS ended_at";

/** The SQL of a comparison in `dialect`, and its arguments, in the order of its `?`; its rows are ComparisonRows. */
export function comparisonSql(q: CompareQuery, dialect: SqlDialect): { sql: string; args: unknown[] } {
  const { where, params } = selection(q, dialect);
  const keyFilter = (alias: string, keys: readonly string[] | undefined): string =>
    keys === undefined ? "" : keys.length === 0 ? (dialect === "sqlite" ? " AND 0" : " AND FALSE") : ` AND ${alias}.key IN (${keys.map(() => "?").join(", ")})`;
  // One row per run, its metrics and params gathered by SQLite into JSON objects: handing
  // JavaScript 10,000 rows instead of 250,000 (one per run and column) is most of the speed.
  // PostgreSQL's JSON is cast to text: the rows are read by the same code in both dialects.
  const [object, array, asText] = dialect === "sqlite" ? ["json_group_object", "json_array", ""] : ["json_object_agg", "json_build_array", "::text"];
  const metricsColumn = (id: string): string =>
    `(SELECT ${object}(m.key, m.value)${asText} FROM metric_finals m WHERE m.run_id = ${id}${keyFilter("m", q.metrics)})`;
  const paramsColumn = (id: string): string =>
    `(SELECT ${object}(p.key, ${array}(p.type, p.value))${asText} FROM params p WHERE p.run_id = ${id}${keyFilter("p", q.params)})`;
  const keyParams = [...(q.metrics ?? []), ...(q.params ?? [])];
  // No limit: SQLite's LIMIT -1, PostgreSQL's LIMIT NULL.
  const page = [q.limit ?? (dialect === "sqlite" ? -1 : null), q.offset ?? 0];
  // Newest first is the rowid order: SQLite pages through it and gathers each run's JSON as it
  // goes. Sorting by a metric first picks the page's ids, then gathers only for them.
  if (!q.orderBy) {
    return {
      sql: `SELECT ${ROW_COLUMNS}, ${metricsColumn("r.id")} AS metrics, ${paramsColumn("r.id")} AS params
         FROM runs r JOIN experiments e ON e.id = r.experiment_id
         WHERE ${where} ORDER BY r.id DESC LIMIT ? OFFSET ?`,
      args: [...keyParams, ...params, ...page],
    };
  }
  // Sorted: the selection's sort values first (each computed once), then the page's ids in order,
  // then each run's JSON gathered for those ids only.
  const order = orderSql(q.orderBy, dialect);
  const v = order.values;
  const terms = orderTerms(q.orderBy.direction, dialect);
  return {
    sql: `WITH ordered AS MATERIALIZED (
           SELECT r.id AS id, ${v.missing} AS missing, ${v.kind} AS kind, ${v.num} AS num, ${v.text} AS text
           FROM runs r JOIN experiments e ON e.id = r.experiment_id ${order.join}
           WHERE ${where}),
         sel AS MATERIALIZED (
           SELECT id, row_number() OVER (ORDER BY ${terms}) AS rn FROM ordered ORDER BY ${terms} LIMIT ? OFFSET ?)
         SELECT ${ROW_COLUMNS}, ${metricsColumn("sel.id")} AS metrics, ${paramsColumn("sel.id")} AS params
         FROM sel JOIN runs r ON r.id = sel.id JOIN experiments e ON e.id = r.experiment_id
         ORDER BY sel.rn`,
    args: [...order.args, ...params, ...page, ...keyParams],
  };
}

// ---------------------------------------------------------------------------
// Reading the rows.

/** A row of the comparison's SQL, as `raw()` returns it. */
export type ComparisonRow = [
  id: number,
  name: string | null,
  experiment: string,
  status: RunStatus,
  startedAt: string,
  endedAt: string | null,
  metricsJson: string | null,
  paramsJson: string | null,
];

/** A param as json_array(p.type, p.value) gathers it: its type and stored text. */
type TypedParam = readonly [ParamType, string | number];

const typedParam: Shape<TypedParam> = {
  name: "a [type, value] pair",
  is: (value): value is TypedParam =>
    Array.isArray(value) && value.length === 2 && isParamType(value[0]) && (typeof value[1] === "string" || typeof value[1] === "number"),
};
const metricsShape = recordOf(aNumber);
const paramsShape = recordOf(typedParam);

/** A row as a compared run, its columns tallied into `columns`. */
function readRow([id, name, experiment, status, startedAt, endedAt, metricsJson, paramsJson]: ComparisonRow, columns: ColumnTally): ComparedRun {
  const metrics = metricsJson ? parseStoredJson(metricsJson, metricsShape, `the final metrics of run ${id}`) : {};
  for (const key in metrics) columns.metric(key, metrics[key] as number);
  const stored = paramsJson ? parseStoredJson(paramsJson, paramsShape, `the parameters of run ${id}`) : {};
  const params: Record<string, ParamValue> = {};
  for (const key in stored) {
    const [type, value] = stored[key] as TypedParam;
    params[key] = decodeParam({ key, type, value: String(value) });
    // Params compare as stored, type included: the number 1 and the string "1" differ.
    columns.param(key, `${type}:${value}`);
  }
  const durationMs = endedAt === null ? null : Date.parse(endedAt) - Date.parse(startedAt);
  return { id: id as RunId, name, experiment, status, startedAt, endedAt, durationMs, params, metrics };
}

// ---------------------------------------------------------------------------
// The columns.

/** A column across a page of runs: its value in the first run that has it, whether the others hold the same, in how many runs it is. */
interface Column<T> {
  first: T;
  same: boolean;
  count: number;
}

/** A metric's column, with its range. */
interface MetricColumn extends Column<number> {
  min: number;
  max: number;
}

/** The params and metrics of a page of runs, tallied run by run. */
class ColumnTally {
  private readonly params = new Map<string, Column<string>>();
  private readonly metrics = new Map<string, MetricColumn>();

  metric(key: string, value: number): void {
    const st = this.metrics.get(key);
    if (!st) this.metrics.set(key, { first: value, same: true, count: 1, min: value, max: value });
    else {
      if (value < st.min) st.min = value;
      if (value > st.max) st.max = value;
      seen(st, value);
    }
  }

  param(key: string, text: string): void {
    const st = this.params.get(key);
    if (!st) this.params.set(key, { first: text, same: true, count: 1 });
    else seen(st, text);
  }

  /** The columns (those asked for, or all the page has), which differ across its `runs` runs, and each metric's range. */
  summary(q: CompareQuery, runs: number): Pick<RunComparison, "params" | "metrics" | "differing" | "ranges"> {
    const differs = (st: Column<unknown> | undefined): boolean => !st || !st.same || st.count !== runs;
    const params = q.params ? [...q.params] : [...this.params.keys()].sort();
    const metrics = q.metrics ? [...q.metrics] : [...this.metrics.keys()].sort();
    return {
      params,
      metrics,
      differing: {
        params: params.filter((k) => differs(this.params.get(k))),
        metrics: metrics.filter((k) => differs(this.metrics.get(k))),
      },
      ranges: Object.fromEntries(
        metrics.flatMap((k) => {
          const st = this.metrics.get(k);
          return st ? [[k, { min: st.min, max: st.max }]] : [];
        }),
      ),
    };
  }
}

/** Counts one more run that has the column, with `value`. */
function seen<T>(st: Column<T>, value: T): void {
  st.count += 1;
  if (value !== st.first) st.same = false;
}
