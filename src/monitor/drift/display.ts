/**
 * How a data set's drift shows under a cell: a table of its columns (test,
 * statistic, p-value, verdict) under a one-line verdict, not the object's
 * fields; and the same as text.
 */
import { inspect } from "node:util";
import { MIME_BUNDLE } from "../../display";
import type { MimeBundle } from "../../display";
import { tableText, tablesBundle } from "../../display/table";
import type { Table } from "../../display/table";

/** What the display reads of a data set's drift (dataset-drift.ts's DatasetDrift; structural, so that file can use this one). */
interface DriftShown {
  readonly columns: readonly { column: string; kind: string; method: string; statistic: number; pValue?: number; threshold: number; drifted: boolean; empty?: string }[];
  readonly drifted: boolean;
  readonly driftedColumns: number;
  readonly testedColumns: number;
  readonly share: number;
  readonly referenceRows: number;
  readonly currentRows: number;
}

/** The drift of each column as a table, captioned with the data set's verdict. */
export function driftTable(drift: DriftShown): Table {
  return {
    caption: `${drift.drifted ? "Drift" : "No drift"}: ${drift.driftedColumns} of ${drift.testedColumns} columns drifted (the data set drifts at ${Math.round(drift.share * 100)}%); ${drift.referenceRows} reference rows, ${drift.currentRows} current rows`,
    header: ["column", "kind", "test", "statistic", "p-value", "threshold", "drifted"],
    rows: drift.columns.map((c) => [c.column, c.kind, c.method, c.statistic, c.pValue ?? null, c.threshold, c.empty === undefined ? (c.drifted ? "yes" : "no") : `empty (${c.empty})`]),
  };
}

/** `drift` with a display: a table in Jupyter, text in a terminal (the fields stay as they are). */
export function withDisplay<T extends DriftShown>(drift: T): T {
  Object.defineProperty(drift, MIME_BUNDLE, { value: (): MimeBundle => tablesBundle([driftTable(drift)]) });
  Object.defineProperty(drift, inspect.custom, { value: (): string => tableText(driftTable(drift)) });
  return drift;
}
