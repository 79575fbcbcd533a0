/**
 * TensorFlow.js tensors: rank 1 and 2 as tables that read only the values
 * they show (a slice per block), other ranks as a short text preview.
 */
import type { Tensor } from "@tensorflow/tfjs";
import { isTensor } from "../util";
import { formatValue } from "./cells";
import type { Span } from "./cells";
import { gridTable, tablesBundle } from "./table";
import type { Table } from "./table";
import type { MimeBundle } from "./bundle";

/** Tensors this small are shown by their own toString(), which reads them whole. */
const WHOLE_PREVIEW = 10_000;
/** Larger ones show their first values, flattened. */
const PREVIEW_VALUES = 10;

/** A tensor as a table (rank 1 and 2) or a text preview (other ranks); undefined for anything else. */
export function tensorBundle(value: unknown): MimeBundle | undefined {
  if (!isTensor(value)) return undefined;
  const title = `Tensor ${value.dtype} ${value.rank === 0 ? "scalar" : `[${value.shape.join(", ")}]`}`;
  if (value.isDisposed) return { "text/plain": `${title} (disposed)` };
  // complex64 values come as interleaved pairs: their shape and dtype are what can be said cheaply.
  if (value.dtype === "complex64") return { "text/plain": title };
  if (value.rank === 1 || value.rank === 2) return tablesBundle([tensorTable(value, title)]);
  return { "text/plain": `${title}\n${preview(value)}` };
}

function tensorTable(t: Tensor, caption: string): Table {
  const [rows = 0, columns = 1] = t.shape;
  const label = (i: number): number => i;
  return gridTable(
    {
      rows,
      columns,
      rowLabel: label,
      columnLabel: t.rank === 1 ? () => "value" : label,
      block: (r, c) => chunk(read(t, r, c), c.count),
    },
    { caption },
  );
}

/** The values of a block of a rank 1 or 2 tensor, through a slice: the rest is never copied. */
function read(t: Tensor, rows: Span, columns: Span): unknown[] {
  const part = t.rank === 1 ? t.slice(rows.start, rows.count) : t.slice([rows.start, columns.start], [rows.count, columns.count]);
  try {
    return cellValues(t, part.dataSync());
  } finally {
    part.dispose();
  }
}

/** Values as cells: a bool tensor's 0 and 1 as false and true. */
function cellValues(t: Tensor, data: ArrayLike<unknown>): unknown[] {
  const values = Array.from(data);
  return t.dtype === "bool" ? values.map((v) => v === 1) : values;
}

function chunk(values: readonly unknown[], size: number): unknown[][] {
  return Array.from({ length: Math.ceil(values.length / size) }, (_, i) => values.slice(i * size, (i + 1) * size));
}

/** A short preview of a tensor of rank 0 or 3 and more. */
function preview(t: Tensor): string {
  // toString() reads every value: fine for a small tensor, not for a large one.
  if (t.size <= WHOLE_PREVIEW) return t.toString().replace(/^Tensor\n/, "").replace(/^ {4}/gm, "");
  const flat = t.reshape([-1]);
  const first = flat.slice(0, PREVIEW_VALUES);
  try {
    const values = cellValues(t, first.dataSync()).map(formatValue);
    return `[${values.join(", ")}, …] (the first ${PREVIEW_VALUES} of ${t.size} values)`;
  } finally {
    first.dispose();
    flat.dispose();
  }
}
