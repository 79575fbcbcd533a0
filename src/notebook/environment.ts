import { readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { tslabVariables } from "./tslab-adapter";
import { closureValues, importsOfSource, isNotData } from "../pipeline";
import type { Binding, CodeEnvironment, ImportMap } from "../pipeline";

/** Where the pipelab kernel keeps the imports of the notebook's cells (set by kernel-main after each cell). */
export const NOTEBOOK_IMPORTS = Symbol.for("pipelab.notebook.imports");


/** The notebook's imports by local name, as the pipelab kernel recorded them. */
export function notebookImports(): ImportMap {
  return ((globalThis as Record<symbol, unknown>)[NOTEBOOK_IMPORTS] as ImportMap | undefined) ?? {};
}

/** Records the notebook's imports from tslab's declarations of all cells so far. */
export function recordNotebookImports(declarations: string): void {
  (globalThis as Record<symbol, unknown>)[NOTEBOOK_IMPORTS] = importsOfSource(declarations, "cells.d.ts");
}

/**
 * The code environment of a notebook cell: imports recorded by the kernel,
 * relative imports resolved from the kernel's folder (the notebook's), and
 * the notebook's variables as tslab keeps them.
 */
export function notebookEnvironment(): CodeEnvironment {
  const variables = tslabVariables();
  return {
    kind: "notebook",
    imports: notebookImports(),
    baseDir: process.cwd(),
    resolve(names, fn, cellVariables) {
      const out = new Map<string, Binding>();
      // A variable of an earlier cell is `exports.name` in tslab's code; a cell's own variables are closure variables.
      const locals: string[] = [];
      for (const name of names) {
        if (cellVariables.has(name) && name in variables) out.set(name, bindingOf(variables[name]));
        else locals.push(name);
      }
      for (const [name, value] of closureValues(fn, locals)) out.set(name, bindingOf(value));
      return out;
    },
  };
}

/** What a value bound to a free name is to the key: a helper's code, not data, or a value. */
export function bindingOf(value: unknown): Binding {
  if (typeof value === "function") return { kind: "function", source: String(value), fn: value as (...args: never[]) => unknown };
  return isNotData(value) ? { kind: "not-data" } : { kind: "value", value };
}

const scriptCache = new Map<string, { mtimeMs: number; imports: ImportMap }>();

/**
 * The code environment of a module file: its imports (read from its source),
 * its folder, and its variables as the step's closure holds them.
 */
export function scriptEnvironment(file: string): CodeEnvironment {
  let entry = scriptCache.get(file);
  try {
    const mtimeMs = statSync(file).mtimeMs;
    if (!entry || entry.mtimeMs !== mtimeMs) {
      entry = { mtimeMs, imports: importsOfSource(readFileSync(file, "utf8"), file) };
      scriptCache.set(file, entry);
    }
  } catch {
    // A script we cannot read: no imports known.
    entry = undefined;
  }
  return {
    kind: "script",
    imports: entry?.imports ?? {},
    baseDir: dirname(file),
    resolve(names, fn) {
      const out = new Map<string, Binding>();
      for (const [name, value] of closureValues(fn, names)) out.set(name, bindingOf(value));
      return out;
    },
  };
}
