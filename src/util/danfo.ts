/**
 * The adapter around danfo's internals: what pipelab knows of danfo beyond
 * its public API, in one place, checked against the version it was written
 * for (danfojs-node 1.2.0).
 *
 * - Recognizing a frame or a series: danfo has two classes of each
 *   (danfojs-node's, and danfojs-base's that its methods return), so this
 *   looks at the shape rather than at `instanceof`.
 * - Handing a decoded frame its columns and index without danfo's
 *   constructor transposing and validating them again (most of a disk hit's
 *   time): through the private fields `$data`, `$dataIncolumnFormat`,
 *   `$index` and `$config`. When they are not there (another danfo), the
 *   caller builds the frame the public way, and pipelab says so once.
 */
import type { DataFrame, Series } from "danfojs-node";
import { warnOnce } from "./warn";

/** The danfo version whose internals this adapter was written for. */
export const DANFO_VERSION = "1.2.0";

function constructorName(value: unknown): string | undefined {
  return value !== null && typeof value === "object" ? (value as object).constructor?.name : undefined;
}

/** Whether a value is a danfo DataFrame (either class). */
export function isDanfoFrame(value: unknown): value is DataFrame {
  if (constructorName(value) !== "DataFrame") return false;
  const v = value as Record<string, unknown>;
  return Array.isArray(v.columns) && Array.isArray(v.dtypes) && Array.isArray(v.index) && typeof v.column === "function";
}

/** Whether a value is a danfo Series (either class). */
export function isDanfoSeries(value: unknown): value is Series {
  if (constructorName(value) !== "Series") return false;
  const v = value as Record<string, unknown>;
  return Array.isArray(v.index) && "values" in v && typeof v.column !== "function";
}

interface FrameInternals {
  $data?: unknown;
  $dataIncolumnFormat?: unknown;
  $index?: unknown;
  $config?: { isLowMemoryMode?: boolean };
}

/**
 * Gives a one-row frame built by danfo (which checked the names and dtypes)
 * the stored columns and index; its row-major copy is built on first use.
 * Returns false, leaving the frame alone, when danfo's internals are not the
 * ones this adapter knows: build the frame with danfo's constructor then.
 */
export function adoptColumns(df: DataFrame, columns: unknown[][], index: (string | number)[], rowsOf: () => unknown[][]): boolean {
  const internals = df as unknown as FrameInternals;
  if (!(Array.isArray(internals.$data) && Array.isArray(internals.$dataIncolumnFormat) && Array.isArray(internals.$index) && internals.$config)) {
    warnOnce(
      `pipelab: danfo's frames are not shaped as in danfojs-node ${DANFO_VERSION} (their private $data, $dataIncolumnFormat, $index, $config), so cached frames are rebuilt with danfo's constructor, which is slower; install danfojs-node ${DANFO_VERSION} for the fast path`,
    );
    return false;
  }
  if (internals.$config.isLowMemoryMode) return false;
  internals.$dataIncolumnFormat = columns;
  internals.$index = index;
  const settle = (rows: unknown): void => {
    Object.defineProperty(df, "$data", { value: rows, writable: true, configurable: true, enumerable: true });
  };
  Object.defineProperty(df, "$data", {
    configurable: true,
    enumerable: true,
    get() {
      const rows = rowsOf();
      settle(rows);
      return rows;
    },
    set: settle,
  });
  return true;
}

/**
 * How many rows a frame has, read from its index: danfo's `shape` reads the
 * row-major copy, which a frame adopted from the cache builds on first use.
 */
export function frameRowCount(df: DataFrame): number {
  return df.index.length;
}

/**
 * A block of a frame's cells, `rows` × `columns` positions, read without
 * copying the rest: from danfo's column-major copy, or, in low-memory mode
 * (which keeps none and would transpose the whole frame to make one), from its rows.
 */
export function frameBlock(df: DataFrame, rows: readonly number[], columns: readonly number[]): unknown[][] {
  if (df.config.isLowMemoryMode) {
    const data = df.values as unknown[][];
    return rows.map((r) => columns.map((c) => data[r]?.[c]));
  }
  const data = df.getColumnData as unknown[][];
  return rows.map((r) => columns.map((c) => data[c]?.[r]));
}
