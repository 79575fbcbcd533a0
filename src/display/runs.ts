/**
 * Runs as tables: one run as its fields, then its params and metrics; a list
 * of runs or a comparison as one row per run, with a column per param and metric.
 */
import type { RunComparison, RunDetails, RunRecord } from "../tracking";
import { formatDuration } from "../util";
import { count } from "./cells";
import { isRunComparison, isRunList, isRunRecord } from "./run-shapes";
import type { ListedRun } from "./run-shapes";
import { gridTable, tablesBundle } from "./table";
import type { Table } from "./table";
import type { MimeBundle } from "./bundle";

/** A run, a list of runs or a comparison as tables; undefined for anything else. */
export function runsBundle(value: unknown): MimeBundle | undefined {
  if (isRunRecord(value)) return tablesBundle(runTables(value));
  if (isRunComparison(value)) return tablesBundle([comparisonTable(value)]);
  if (isRunList(value)) return tablesBundle([runListTable(value)]);
  return undefined;
}

/** A run's fields, then (when it has them) its params and final metrics. */
function runTables(run: RunRecord | RunDetails): Table[] {
  const fields: [string, unknown][] = [
    ["id", run.id],
    ["experiment", run.experiment],
    ["name", run.name],
    ["status", run.status],
    ["started", when(run.startedAt)],
    ["ended", run.endedAt && when(run.endedAt)],
    ["duration", run.endedAt && formatDuration(Date.parse(run.endedAt) - Date.parse(run.startedAt))],
    ["source", `${run.sourceKind}${run.sourcePath ? ` ${run.sourcePath}` : ""}`],
    ["where", `${run.host}, pid ${run.pid}, Node ${run.nodeVersion}, pipelab ${run.pipelabVersion}`],
    ["backend", run.tfBackend],
    ["git", run.gitCommit && `${run.gitCommit}${run.gitDirty ? " (with uncommitted changes)" : ""}`],
    ["failed step", run.failedStep],
    ["error", run.error],
    ["note", run.note],
    ["deleted", run.deletedAt && when(run.deletedAt)],
    ...Object.entries("tags" in run ? run.tags : {}).map(([k, v]): [string, unknown] => [`tags.${k}`, v]),
  ];
  const head: Table = {
    caption: `run #${run.id}${run.name ? ` ${run.name}` : ""}`,
    header: ["field", "value"],
    rows: fields.filter(([, v]) => v !== null && v !== undefined && v !== ""),
    indexColumns: 1,
  };
  if (!("params" in run)) return [head];
  const values = [...prefixed("params", run.params), ...prefixed("metrics", run.metrics)];
  return values.length === 0 ? [head] : [head, { header: ["", "value"], rows: values, indexColumns: 1 }];
}

function prefixed(scope: string, record: Readonly<Record<string, unknown>>): [string, unknown][] {
  return Object.entries(record).map(([k, v]) => [`${scope}.${k}`, v]);
}

/** A timestamp of the store for reading: "2026-11-29 14:03:07". */
function when(iso: string): string {
  return iso.replace("T", " ").slice(0, 19);
}

function runListTable(runs: readonly ListedRun[]): Table {
  const keys = (pick: (run: ListedRun) => object | undefined): string[] => [...new Set(runs.flatMap((r) => Object.keys(pick(r) ?? {})))].sort();
  const params = keys((r) => ("params" in r ? r.params : undefined));
  const metrics = keys((r) => ("metrics" in r ? r.metrics : undefined));
  return runsTable(runs, params, metrics, count(runs.length, "run"));
}

function comparisonTable(c: RunComparison): Table {
  const shown = c.runs.length === c.total ? count(c.total, "run") : `runs ${c.offset + 1}–${c.offset + c.runs.length} of ${c.total}`;
  return runsTable(c.runs, c.params, c.metrics, c.runs.length === 0 ? "no runs" : shown);
}

/** One row per run: its id, name, experiment, status and start, then a column per param and per metric. */
function runsTable(runs: readonly ListedRun[], params: readonly string[], metrics: readonly string[], footer: string): Table {
  const columns: [string, (run: ListedRun) => unknown][] = [
    ["name", (r) => r.name],
    ["experiment", (r) => r.experiment],
    ["status", (r) => r.status],
    ["started", (r) => when(r.startedAt)],
    ...params.map((k): [string, (run: ListedRun) => unknown] => [`params.${k}`, (r) => ("params" in r ? r.params[k] : undefined)]),
    ...metrics.map((k): [string, (run: ListedRun) => unknown] => [`metrics.${k}`, (r) => ("metrics" in r ? r.metrics[k] : undefined)]),
  ];
  return gridTable(
    {
      rows: runs.length,
      columns: columns.length,
      indexHeader: "id",
      rowLabel: (i) => runs[i]?.id,
      columnLabel: (j) => columns[j]?.[0],
      block: (r, c) =>
        runs.slice(r.start, r.start + r.count).map((run) => columns.slice(c.start, c.start + c.count).map(([, read]) => read(run))),
    },
    { footer },
  );
}
