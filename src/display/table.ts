/**
 * Tables, the one form every rich display takes: built from data, then
 * written as HTML (every string escaped) and as aligned plain text.
 */
import { escapeHtml, textWidth, truncate, visible } from "../util";
import { GAP, MAX_CELL, formatValue, isNumeric, positionsOf, shownSpans } from "./cells";
import type { Span } from "./cells";
import type { MimeBundle } from "./bundle";

/** A table to show: values, not yet text. */
export interface Table {
  /** Above the table: what it is ("Tensor float32 [1000, 3]"). */
  readonly caption?: string;
  readonly header: readonly unknown[];
  /** Rows of values, GAP for the row that stands for those left out. */
  readonly rows: readonly (readonly unknown[] | typeof GAP)[];
  /** How many leading columns label the rows (a frame's index): row headers in HTML. */
  readonly indexColumns?: number;
  /** Below the table: its size ("100 rows × 3 columns"). */
  readonly footer?: string;
}

/** A grid of values too big to read whole: a table reads only the blocks it shows. */
export interface Grid {
  readonly rows: number;
  readonly columns: number;
  /** The index column's header. Default: none. */
  readonly indexHeader?: string;
  rowLabel(row: number): unknown;
  columnLabel(column: number): unknown;
  /** The values of a block: `rows.count` rows of `columns.count` values. */
  block(rows: Span, columns: Span): ArrayLike<unknown>[];
}

/** A grid as a table under the head/tail rule, on rows and on columns: only the blocks shown are read. */
export function gridTable(grid: Grid, around: { caption?: string; footer?: string } = {}): Table {
  const rowSpans = shownSpans(grid.rows);
  const columnSpans = shownSpans(grid.columns);
  const withGaps = <T>(parts: readonly T[][]): (T | typeof GAP)[] => parts.flatMap((part, i) => (i === 0 ? part : [GAP, ...part]));
  const header = [grid.indexHeader ?? "", ...withGaps(columnSpans.map((s) => positionsOf([s]).map((c) => grid.columnLabel(c))))];
  const rows = rowSpans.map((rowSpan) => {
    const blocks = columnSpans.map((columnSpan) => grid.block(rowSpan, columnSpan));
    return positionsOf([rowSpan]).map((row, i) => [grid.rowLabel(row), ...withGaps(blocks.map((b) => Array.from(b[i] ?? [])))]);
  });
  return { ...around, header, rows: withGaps(rows), indexColumns: 1 };
}

/** Tables as a MIME bundle: HTML, and plain text for where HTML is not shown. */
export function tablesBundle(tables: readonly Table[]): MimeBundle {
  return { "text/plain": tables.map(tableText).join("\n\n"), "text/html": tables.map(tableHtml).join("\n") };
}

/** The HTML of a table: every string escaped and its controls made visible, no inline styles (Jupyter styles tables). */
export function tableHtml(t: Table): string {
  const index = t.indexColumns ?? 0;
  const cell = (value: unknown, j: number): string => {
    const tag = j < index ? "th" : "td";
    return `<${tag}>${escapeHtml(truncate(formatValue(value), MAX_CELL))}</${tag}>`;
  };
  const head = `<thead><tr>${t.header.map((h) => `<th>${escapeHtml(truncate(formatValue(h), MAX_CELL))}</th>`).join("")}</tr></thead>`;
  const body = t.rows.map((row) => `<tr>${(row === GAP ? t.header.map(() => GAP) : row).map(cell).join("")}</tr>`).join("");
  const caption = t.caption === undefined ? "" : `<caption>${escapeHtml(visible(t.caption))}</caption>`;
  const footer = t.footer === undefined ? "" : `<p>${escapeHtml(visible(t.footer))}</p>`;
  return `<table class="pipelab-table">${caption}${head}<tbody>${body}</tbody></table>${footer}`;
}

/** Text cells are cut to this many columns. */
const MAX_TEXT_WIDTH = 40;

/** The plain text of a table: aligned columns, numbers to the right, every string with its controls made visible. */
export function tableText(t: Table): string {
  const body = t.rows.map((row) => (row === GAP ? t.header.map(() => GAP) : row));
  const numeric = t.header.map((_, j) => {
    const values = body.map((row) => row[j]).filter((v) => v !== GAP && v !== null && v !== undefined);
    return values.length > 0 && values.every(isNumeric);
  });
  const lines = [t.header, ...body].map((row) => row.map(formatValue));
  const widths = t.header.map((_, j) => Math.min(MAX_TEXT_WIDTH, Math.max(...lines.map((cells) => textWidth(cells[j] ?? "")))));
  const laid = lines.map((cells) =>
    cells
      .map((text, j) => {
        const width = widths[j] ?? 0;
        const cut = truncate(text, width);
        const pad = " ".repeat(Math.max(0, width - textWidth(cut)));
        return numeric[j] ? pad + cut : cut + pad;
      })
      .join("  ")
      .trimEnd(),
  );
  return [...(t.caption === undefined ? [] : [visible(t.caption)]), ...laid, ...(t.footer === undefined ? [] : ["", visible(t.footer)])].join("\n");
}
