import { existsSync, readdirSync } from "node:fs";
import { readTrackedFile } from "./read-file";
import { dirname, extname, join, resolve } from "node:path";
import type { DataFrame } from "danfojs-node";
import { DataError, messageOf } from "../errors";
import { danfojs } from "../util";
import { interruptibly } from "../run-context";
import { parseCsv } from "./csv";

/** Data sets of vega-datasets that load as tables (CSV, TSV or a JSON array of records). */
const TABULAR = new Set([".csv", ".tsv", ".json"]);

let dataDir: string | undefined;

/** The folder of vega-datasets' files inside node_modules. */
export function datasetsDir(): string {
  if (dataDir === undefined) {
    // vega-datasets' exports map hides package.json; its entry point sits in build/.
    const entry = require.resolve("vega-datasets");
    dataDir = resolve(dirname(entry), "..", "data");
  }
  return dataDir;
}

/** The names of the tabular data sets shipped with vega-datasets ("penguins", "cars", "seattle-weather", ...). */
export function datasetNames(): string[] {
  return readdirSync(datasetsDir())
    .filter((f) => TABULAR.has(extname(f)))
    .map((f) => f.slice(0, -extname(f).length))
    .sort();
}

/** The file behind a data set name, e.g. "penguins" -> .../vega-datasets/data/penguins.json. */
export function datasetPath(name: string): string {
  // Parquet last: where a data set comes in both forms (none does today), the text form is what loadDataset reads.
  for (const ext of [...TABULAR, ".parquet"]) {
    const file = join(datasetsDir(), name + ext);
    if (existsSync(file)) return file;
  }
  const names = datasetNames();
  const close = names.filter((n) => n.startsWith(name.slice(0, 3)));
  const suggestion = close.length > 0 ? ` Did you mean ${close.map((n) => `"${n}"`).join(", ")}?` : "";
  throw new DataError(`unknown data set "${name}".${suggestion} Known data sets: ${names.join(", ")}`);
}

/**
 * Loads a data set of vega-datasets as rows (plain objects). Real data,
 * shipped in an npm package: no network needed.
 *
 * @example
 * ```ts
 * const rows = loadDatasetRows("penguins"); // 344 penguins, 7 columns
 * ```
 */
export function loadDatasetRows(name: string): Record<string, unknown>[] {
  const file = datasetPath(name);
  if (extname(file) === ".parquet") {
    throw new DataError(`data set "${name}" is a Parquet file, too big for rows of JS objects: read it with readParquet(datasetPath(${JSON.stringify(name)})), which gives a ColumnarTable`);
  }
  const text = readTrackedFile(file).toString("utf8");
  try {
    if (extname(file) === ".json") {
      const parsed: unknown = JSON.parse(text);
      if (!Array.isArray(parsed)) throw new Error("the file is not a JSON array of records");
      return parsed as Record<string, unknown>[];
    }
    return parseDelimited(text, extname(file) === ".tsv" ? "\t" : ",");
  } catch (error) {
    throw new DataError(`cannot read data set "${name}" from ${file}: ${messageOf(error)}`, { cause: error });
  }
}

/**
 * Loads a data set of vega-datasets into a danfo DataFrame.
 *
 * @example
 * ```ts
 * const penguins = loadDataset("penguins");
 * penguins.shape; // [344, 7]
 * ```
 */
export function loadDataset(name: string): DataFrame {
  // In the kernel, Jupyter's interrupt breaks off a long load at once.
  return interruptibly(() => {
    const rows = loadDatasetRows(name);
    // danfo loads its own TensorFlow.js; require it only when a frame is wanted.
    const { DataFrame } = danfojs();
    return new DataFrame(rows);
  }, `loading the data set ${name}`);
}

/** Rows of a delimited file, numbers typed, empty cells null. */
function parseDelimited(text: string, sep: string): Record<string, unknown>[] {
  const { header, records } = parseCsv(text, sep);
  return records.map((fields) => {
    const row: Record<string, unknown> = {};
    header.forEach((column, i) => {
      row[column] = typeCell(fields[i]);
    });
    return row;
  });
}

function typeCell(cell: string | undefined): unknown {
  if (cell === undefined || cell === "") return null;
  const n = Number(cell);
  return Number.isNaN(n) || cell.trim() === "" ? cell : n;
}
