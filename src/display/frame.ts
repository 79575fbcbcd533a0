/**
 * danfo frames and series as tables, as pandas shows them: the index, the
 * columns, the first and last 10 rows of a long one, and its shape.
 */
import type { DataFrame, Series } from "danfojs-node";
import { frameBlock, frameRowCount, isDanfoFrame, isDanfoSeries } from "../util";
import { count, positionsOf, shapeLine } from "./cells";
import { gridTable, tablesBundle } from "./table";
import type { MimeBundle } from "./bundle";

/** A danfo DataFrame or Series as a table; undefined for anything else. */
export function danfoBundle(value: unknown): MimeBundle | undefined {
  if (isDanfoFrame(value)) return frameBundle(value);
  if (isDanfoSeries(value)) return seriesBundle(value);
  return undefined;
}

function frameBundle(df: DataFrame): MimeBundle {
  const rows = frameRowCount(df);
  const { columns, index } = df;
  const table = gridTable(
    {
      rows,
      columns: columns.length,
      rowLabel: (r) => index[r],
      columnLabel: (c) => columns[c],
      block: (r, c) => frameBlock(df, positionsOf([r]), positionsOf([c])),
    },
    { footer: shapeLine(rows, columns.length) },
  );
  return tablesBundle([table]);
}

function seriesBundle(series: Series): MimeBundle {
  const values = series.values as unknown[];
  const { index } = series;
  // danfo keeps a series' name as its only column name ("0" when it was given none).
  const columns: unknown = series.columns;
  const name = Array.isArray(columns) ? columns[0] : columns;
  const table = gridTable(
    {
      rows: index.length,
      columns: 1,
      rowLabel: (r) => index[r],
      columnLabel: () => name,
      block: (r) => positionsOf([r]).map((i) => [values[i]]),
    },
    { footer: `${count(index.length, "row")}, dtype ${series.dtype}` },
  );
  return tablesBundle([table]);
}
