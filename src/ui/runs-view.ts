/**
 * The state of a runs page, all of it in the URL so that a view can be
 * bookmarked and shared: which experiment, the filter, the sort, the chosen
 * columns and the page. Parsed once here (a bad value is a ViewError quoting
 * it), and written back into links that keep the rest of the view.
 */
import { TrackingError } from "../errors";
import { parseRunOrder } from "../tracking";
import type { RunOrder, RunOrderField } from "../tracking";
import { UiError } from "./errors";
import { queryString } from "./html";

/** A value in the URL that the page cannot use; shown on the page (400), the rest of the view kept. */
export class ViewError extends UiError {}

/** Which value of a metric's history a column shows: the final one (at the highest step), the lowest or the highest. */
export type MetricAggregate = "last" | "min" | "max";

/** A column of the runs table. */
export type RunColumn =
  | { kind: "param"; key: string }
  | { kind: "metric"; key: string; aggregate: MetricAggregate }
  | { kind: "run"; field: RunField };

/** The run's own fields a table can show. */
export const RUN_FIELDS = ["name", "experiment", "status", "started", "duration", "source", "tags"] as const;
export type RunField = (typeof RUN_FIELDS)[number];

/** What the table is sorted by: a field of the run (started is its id order), a param, or a metric (final, lowest or highest). */
export type SortKey = { kind: "run"; field: SortField } | { kind: "param"; key: string } | { kind: "metric"; key: string; aggregate: MetricAggregate };

/** The run's own fields the table sorts by (all it shows but tags). */
export type SortField = RunOrderField;

export interface RunSort {
  key: SortKey;
  direction: "asc" | "desc";
}

/** A runs page, as its URL says. */
export interface RunsView {
  experiment: string | undefined;
  filter: string;
  sort: RunSort;
  /** The columns asked for in the URL; undefined: the default (the page's params and metrics). */
  columns: RunColumn[] | undefined;
  /** 1-based. */
  page: number;
  pageSize: number;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
const DEFAULT_SORT: RunSort = { key: { kind: "run", field: "started" }, direction: "desc" };

/** A query string value as fastify parses it. */
export type QueryValue = string | string[] | undefined;

/** The first value of a query parameter given once or more. */
export function firstValue(value: QueryValue): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Reads a runs page from its URL; throws ViewError for a value it cannot use. */
export function parseRunsView(experiment: string | undefined, query: Readonly<Record<string, QueryValue>>): RunsView {
  const columns = firstValue(query.columns);
  return {
    experiment,
    filter: (firstValue(query.filter) ?? "").trim(),
    sort: parseSort(firstValue(query.sort)),
    columns: columns === undefined || columns.trim() === "" ? undefined : parseColumns(columns),
    page: wholeNumber(firstValue(query.page), "page", 1, 1, Number.MAX_SAFE_INTEGER),
    pageSize: wholeNumber(firstValue(query.size), "size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
  };
}

/**
 * A column as the URL writes it (`started`, `name`, `params.lr`,
 * `metrics.loss`, `metrics.loss:min`), then optionally `:asc` or `:desc`
 * (default: desc).
 */
export function parseSort(text: string | undefined): RunSort {
  if (text === undefined || text.trim() === "") return DEFAULT_SORT;
  let order: RunOrder;
  try {
    order = parseRunOrder(text);
  } catch (error) {
    if (error instanceof TrackingError) throw new ViewError(error.message);
    throw error;
  }
  const direction = order.direction ?? "desc";
  if ("field" in order) return { key: { kind: "run", field: order.field }, direction };
  if ("param" in order) return { key: { kind: "param", key: order.param }, direction };
  return { key: { kind: "metric", key: order.metric, aggregate: order.aggregate ?? "last" }, direction };
}

/** `params.lr,metrics.accuracy:max,status,...`: params, metrics with last (default), min or max, and the run's own fields. */
export function parseColumns(text: string): RunColumn[] {
  return text
    .split(",")
    .map((c) => c.trim())
    .filter((c) => c !== "")
    .map((c): RunColumn => {
      if (c.startsWith("params.") && c.length > "params.".length) return { kind: "param", key: c.slice("params.".length) };
      if (c.startsWith("metrics.") && c.length > "metrics.".length) {
        const match = /^metrics\.(.+?)(?::(last|min|max))?$/.exec(c) as RegExpExecArray;
        return { kind: "metric", key: match[1] as string, aggregate: (match[2] as MetricAggregate | undefined) ?? "last" };
      }
      if ((RUN_FIELDS as readonly string[]).includes(c)) return { kind: "run", field: c as RunField };
      throw new ViewError(`invalid column: ${JSON.stringify(c)}; use params.KEY, metrics.KEY (with :last, :min or :max) or one of ${RUN_FIELDS.join(", ")}`);
    });
}

/** A column as the URL writes it. */
export function columnText(column: RunColumn): string {
  if (column.kind === "param") return `params.${column.key}`;
  if (column.kind === "metric") return `metrics.${column.key}${column.aggregate === "last" ? "" : `:${column.aggregate}`}`;
  return column.field;
}

export function sortText(sort: RunSort): string {
  const key = sort.key;
  const column = key.kind === "run" ? key.field : key.kind === "param" ? `params.${key.key}` : `metrics.${key.key}${key.aggregate === "last" ? "" : `:${key.aggregate}`}`;
  return `${column}:${sort.direction}`;
}

/** Newest first: the order a URL without `sort` means. */
export function isDefaultSort(sort: RunSort): boolean {
  return sort.key.kind === "run" && sort.key.field === "started" && sort.direction === "desc";
}

/** Whether two sort keys are the same. */
export function sameSortKey(a: SortKey, b: SortKey): boolean {
  return sortText({ key: a, direction: "asc" }) === sortText({ key: b, direction: "asc" });
}

/** The sort key a column header sorts by; undefined for the tags, which have no one value to sort by. */
export function columnSortKey(column: RunColumn): SortKey | undefined {
  if (column.kind === "metric") return { kind: "metric", key: column.key, aggregate: column.aggregate };
  if (column.kind === "param") return { kind: "param", key: column.key };
  return column.field === "tags" ? undefined : { kind: "run", field: column.field };
}

/** The path of the runs of one experiment, or of all. */
export function viewPath(experiment: string | undefined): string {
  return experiment === undefined ? "/" : `/experiments/${encodeURIComponent(experiment)}`;
}

/** The URL of the runs page `view`, changed by `change`: links keep the filter, sort, columns and page unless told otherwise. */
export function viewUrl(view: RunsView, change: Partial<RunsView> = {}): string {
  const next = { ...view, ...change };
  return (
    viewPath(next.experiment) +
    queryString({
      filter: next.filter,
      sort: isDefaultSort(next.sort) ? undefined : sortText(next.sort),
      columns: next.columns === undefined ? undefined : next.columns.map(columnText).join(","),
      page: next.page === 1 ? undefined : next.page,
      size: next.pageSize === DEFAULT_PAGE_SIZE ? undefined : next.pageSize,
    })
  );
}

function wholeNumber(text: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max) throw new ViewError(`invalid ${name}: ${JSON.stringify(text)}; a whole number from ${min} to ${max}`);
  return n;
}
