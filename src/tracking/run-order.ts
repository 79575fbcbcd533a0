/**
 * The order of a comparison as SQL: by the run's start (its id), by one of its
 * own fields (name, experiment, status, source, duration), by a param, or by a
 * final metric or the lowest or highest value of its history. Every order puts
 * the runs that lack the value last and breaks ties newest first, so that
 * pages never overlap. Params compare as their type says: numbers as numbers,
 * before any text.
 */
import { TrackingError } from "../errors";
import type { SqlDialect } from "./filter-sql";
import type { RunOrder, RunOrderField } from "./types";

/** An order's SQL over `runs r JOIN experiments e`: a join it needs, and the sort values of each run. */
export interface OrderSql {
  /** A LEFT JOIN that brings the value, or "". */
  join: string;
  /** The arguments of `join` and `values`, in the order of their `?`. */
  args: unknown[];
  /** SQL expressions: `missing` (1 when the run lacks the value), `kind` (0 number, 1 text), `num` and `text`. */
  values: { missing: string; kind: string; num: string; text: string };
}

/** The SQL of `order`, in SQLite's dialect or PostgreSQL's. */
export function orderSql(order: RunOrder, dialect: SqlDialect = "sqlite"): OrderSql {
  if ("metric" in order) {
    const aggregate = order.aggregate ?? "last";
    if (aggregate === "last") {
      return { join: "LEFT JOIN metric_finals ob ON ob.run_id = r.id AND ob.key = ?", args: [order.metric], values: numeric("ob.value") };
    }
    // The extremes of the history, from its 64-step blocks (a few rows a run, not every point).
    const fn = aggregate === "min" ? "min(b.min_value)" : "max(b.max_value)";
    return {
      join: `LEFT JOIN (SELECT b.run_id, ${fn} AS value FROM metric_blocks b WHERE b.key = ? GROUP BY b.run_id) ob ON ob.run_id = r.id`,
      args: [order.metric],
      values: numeric("ob.value"),
    };
  }
  if ("param" in order) {
    return {
      join: "LEFT JOIN params ob ON ob.run_id = r.id AND ob.key = ?",
      args: [order.param],
      values: {
        missing: "(ob.value IS NULL)",
        kind: "(ob.type <> 'number')",
        num: "CASE WHEN ob.type = 'number' THEN CAST(ob.value AS REAL) END",
        text: "CASE WHEN ob.type <> 'number' THEN ob.value END",
      },
    };
  }
  switch (order.field) {
    case "started":
      return { join: "", args: [], values: numeric("r.id") };
    case "duration":
      // A running run has no duration yet: it goes with the runs that lack the value.
      return {
        join: "",
        args: [],
        values: numeric(
          dialect === "sqlite"
            ? "(julianday(r.ended_at) - julianday(r.started_at))"
            : "EXTRACT(EPOCH FROM CAST(r.ended_at AS timestamptz) - CAST(r.started_at AS timestamptz))",
        ),
      };
    case "name":
      return { join: "", args: [], values: textual("r.name") };
    case "experiment":
      return { join: "", args: [], values: textual("e.name") };
    case "status":
      return { join: "", args: [], values: textual("r.status") };
    case "source":
      return { join: "", args: [], values: textual("r.source_path") };
  }
}

function numeric(value: string): OrderSql["values"] {
  return { missing: `(${value} IS NULL)`, kind: "0", num: value, text: "NULL" };
}

function textual(value: string): OrderSql["values"] {
  return { missing: `(${value} IS NULL)`, kind: "1", num: "NULL", text: value };
}

/**
 * The ORDER BY terms over the columns missing, kind, num, text and id that
 * orderSql's values fill. Text sorts without regard to the case of ASCII
 * letters, then byte by byte: the same in both dialects, whatever the
 * PostgreSQL server's locale.
 */
export function orderTerms(direction: "asc" | "desc" | undefined, dialect: SqlDialect = "sqlite"): string {
  const dir = direction === "asc" ? "ASC" : "DESC";
  const folded = dialect === "sqlite" ? `text COLLATE NOCASE ${dir}, text ${dir}` : `lower(text) COLLATE "C" ${dir}, text COLLATE "C" ${dir}`;
  return `missing, kind, num ${dir}, ${folded}, id DESC`;
}

/** The run fields an order can name, as `parseRunOrder` reads them. */
const RUN_ORDER_FIELDS: readonly RunOrderField[] = ["started", "duration", "name", "experiment", "status", "source"];

/**
 * An order as a URL or a command line writes it: a field of the run
 * (`started`, `duration`, `name`, `experiment`, `status`, `source`),
 * `params.KEY`, or `metrics.KEY` with `:last`, `:min` or `:max`; then
 * `:asc` or `:desc` (default desc). With `bareMetric`, any other word is a
 * metric's name (`accuracy:asc`), as `pipelab runs compare --sort` has always
 * read it.
 *
 * @throws TrackingError naming what it can sort by.
 */
export function parseRunOrder(text: string, options: { bareMetric?: boolean } = {}): RunOrder {
  const match = /^(.*?)(?::(asc|desc))?$/.exec(text.trim()) as RegExpExecArray;
  const what = match[1] as string;
  const direction = match[2] === "asc" ? "asc" : "desc";
  if (what === "id") return { field: "started", direction };
  if ((RUN_ORDER_FIELDS as readonly string[]).includes(what)) return { field: what as RunOrderField, direction };
  if (what.startsWith("params.") && what.length > "params.".length) return { param: what.slice("params.".length), direction };
  const metric = /^metrics\.(.+?)(?::(last|min|max))?$/.exec(what);
  if (metric) return { metric: metric[1] as string, aggregate: (metric[2] as "last" | "min" | "max" | undefined) ?? "last", direction };
  if (options.bareMetric && what !== "" && !/^(params|metrics)\./.test(what)) return { metric: what, direction };
  throw new TrackingError(
    `invalid sort: ${JSON.stringify(text)}; sort by ${RUN_ORDER_FIELDS.join(", ")}, params.KEY or metrics.KEY (with :last, :min or :max), then :asc or :desc (metrics.accuracy:desc)`,
  );
}
