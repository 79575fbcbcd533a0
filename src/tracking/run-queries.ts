/**
 * Reading runs: one run, one run with its params, final metrics and tags,
 * and selections of runs (by experiment, filter, ids, deleted or not, a page
 * of them) listed, counted, or ranked by a final metric.
 */
import { metricMode } from "../util";
import type { StoreConnection } from "./connection";
import { compileFilter } from "./filter";
import type { SqlDialect } from "./filter-sql";
import { decodeParam } from "./param-codec";
import type { ParamRow } from "./param-codec";
import { RUN_COLUMNS, toRecord } from "./run-row";
import type { RunRow } from "./run-row";
import type { BestRunQuery, ParamValue, RunDetails, RunId, RunQuery, RunRecord } from "./types";

/** The runs a query selects, as a WHERE clause over `runs r JOIN experiments e ON e.id = r.experiment_id` and its parameters. */
export interface Selection {
  where: string;
  params: unknown[];
}

/** The WHERE clause and its parameters for a selection of runs. */
export function selection(q: RunQuery, dialect: SqlDialect = "sqlite"): Selection {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (!q.includeDeleted) clauses.push("r.deleted_at IS NULL");
  if (q.experiment !== undefined) {
    clauses.push("e.name = ?");
    params.push(q.experiment);
  }
  if (q.ids !== undefined) {
    if (q.ids.length === 0) clauses.push(dialect === "sqlite" ? "0" : "FALSE");
    else {
      clauses.push(`r.id IN (${q.ids.map(() => "?").join(", ")})`);
      params.push(...q.ids);
    }
  }
  if (q.filter !== undefined) {
    const f = compileFilter(q.filter, dialect);
    clauses.push(`(${f.where})`);
    params.push(...f.params);
  }
  return { where: clauses.length > 0 ? clauses.join(" AND ") : dialect === "sqlite" ? "1" : "TRUE", params };
}

export function getRun(conn: StoreConnection, run: RunId): RunRecord | undefined {
  const row = conn.db.prepare(`SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.id = ?`).get(run) as RunRow | undefined;
  return row && toRecord(row);
}

export function runDetails(conn: StoreConnection, run: RunId): RunDetails | undefined {
  const record = getRun(conn, run);
  if (!record) return undefined;
  const params: Record<string, ParamValue> = {};
  for (const p of conn.db.prepare("SELECT key, type, value FROM params WHERE run_id = ? ORDER BY key").all(run) as ParamRow[]) {
    params[p.key] = decodeParam(p);
  }
  const metrics: Record<string, number> = {};
  for (const m of conn.db.prepare("SELECT key, value FROM metric_finals WHERE run_id = ? ORDER BY key").all(run) as { key: string; value: number }[]) {
    metrics[m.key] = m.value;
  }
  const tags: Record<string, string> = {};
  for (const t of conn.stmt("SELECT key, value FROM tags WHERE run_id = ? ORDER BY key").all(run) as { key: string; value: string }[]) {
    tags[t.key] = t.value;
  }
  return { ...record, params, metrics, tags };
}

export function listRuns(conn: StoreConnection, q: RunQuery = {}): RunRecord[] {
  const { where, params } = selection(q);
  const rows = conn.db
    .prepare(`SELECT ${RUN_COLUMNS} FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE ${where} ORDER BY r.id DESC LIMIT ? OFFSET ?`)
    .all(...params, q.limit ?? -1, q.offset ?? 0) as RunRow[];
  return rows.map(toRecord);
}

export function countRuns(conn: StoreConnection, q: RunQuery = {}): number {
  const { where, params } = selection(q);
  return (conn.db.prepare(`SELECT count(*) AS n FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE ${where}`).get(...params) as { n: number }).n;
}

export function bestRun(conn: StoreConnection, metric: string, q: BestRunQuery = {}): RunDetails | undefined {
  const { where, params } = selection(q);
  const order = (q.mode ?? metricMode(metric)) === "min" ? "ASC" : "DESC";
  const row = conn.db
    .prepare(
      `SELECT r.id FROM runs r JOIN experiments e ON e.id = r.experiment_id
       JOIN metric_finals m ON m.run_id = r.id AND m.key = ?
       WHERE ${where} ORDER BY m.value ${order}, r.id DESC LIMIT 1`,
    )
    .get(metric, ...params) as { id: number } | undefined;
  return row ? runDetails(conn, row.id as RunId) : undefined;
}
