import { readFileSync } from "node:fs";
import { ExportError, messageOf } from "../errors";
import { sha256 } from "../util";

/** A notebook as pipelab reads it: its cells in order, and what it is. */
export interface NotebookIR {
  path: string;
  /** sha256 of the file's bytes. */
  hash: string;
  kernel: string | undefined;
  cells: CellIR[];
}

export interface CellIR {
  index: number;
  kind: "code" | "markdown" | "raw";
  source: string;
  tags: string[];
}

/**
 * Reads an .ipynb file (nbformat 4) into cells. A file that is not a notebook
 * gets an ExportError that says what is wrong and where.
 */
export function readNotebook(path: string): NotebookIR {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new ExportError(`cannot read the notebook ${path}: ${messageOf(error)}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    throw new ExportError(`${path} is not a notebook: it is not valid JSON (${messageOf(error)})`, { cause: error });
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw new ExportError(`${path} is not a notebook: expected a JSON object with "cells"`);
  const nb = json as { nbformat?: unknown; cells?: unknown; metadata?: { kernelspec?: { name?: unknown } } };
  if (nb.nbformat !== 4) throw new ExportError(`${path}: nbformat ${JSON.stringify(nb.nbformat)} is not supported; pipelab reads nbformat 4 (save it with a current Jupyter)`);
  if (!Array.isArray(nb.cells)) throw new ExportError(`${path} is not a notebook: "cells" is ${nb.cells === undefined ? "missing" : "not a list"}`);
  const cells = nb.cells.map((raw, index): CellIR => {
    const cell = raw as { cell_type?: unknown; source?: unknown; metadata?: { tags?: unknown } };
    const kind = cell.cell_type;
    if (kind !== "code" && kind !== "markdown" && kind !== "raw") {
      throw new ExportError(`${path}: cell ${index + 1} has cell_type ${JSON.stringify(kind)}; expected "code", "markdown" or "raw"`);
    }
    const source = Array.isArray(cell.source) && cell.source.every((l) => typeof l === "string") ? cell.source.join("") : cell.source;
    if (typeof source !== "string") throw new ExportError(`${path}: cell ${index + 1} has no source text`);
    const tags = Array.isArray(cell.metadata?.tags) ? cell.metadata.tags.filter((t): t is string => typeof t === "string") : [];
    return { index, kind, source, tags };
  });
  const kernel = typeof nb.metadata?.kernelspec?.name === "string" ? nb.metadata.kernelspec.name : undefined;
  return { path, hash: sha256(bytes), kernel, cells };
}
