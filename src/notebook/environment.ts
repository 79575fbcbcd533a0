import { readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { importsOfSource, topLevelDeclaration } from "../pipeline";
import type { CodeEnvironment, ImportMap } from "../pipeline";

/** Where the pipelab kernel keeps the imports of the notebook's cells (set by kernel-main after each cell). */
export const NOTEBOOK_IMPORTS = Symbol.for("pipelab.notebook.imports");

interface TslabGlobal {
  __tslab__?: { exports?: Record<string, unknown> };
}

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
  const variables = (globalThis as TslabGlobal).__tslab__?.exports ?? {};
  return {
    imports: notebookImports(),
    baseDir: process.cwd(),
    lookup(name) {
      if (!(name in variables)) return undefined;
      const value = variables[name];
      return typeof value === "function" ? { kind: "function", source: String(value) } : { kind: "value" };
    },
  };
}

const scriptCache = new Map<
  string,
  { mtimeMs: number; source: string; imports: ImportMap; declarations: Map<string, ReturnType<typeof topLevelDeclaration>> }
>();

/** The code environment of a module file: its imports, its folder, its top-level declarations. */
export function scriptEnvironment(file: string): CodeEnvironment {
  let entry = scriptCache.get(file);
  try {
    const mtimeMs = statSync(file).mtimeMs;
    if (!entry || entry.mtimeMs !== mtimeMs) {
      const source = readFileSync(file, "utf8");
      entry = { mtimeMs, source, imports: importsOfSource(source, file), declarations: new Map() };
      scriptCache.set(file, entry);
    }
  } catch {
    // A script we cannot read: no imports known, every free name is reported.
    entry = undefined;
  }
  const known = entry;
  return {
    imports: known?.imports ?? {},
    baseDir: dirname(file),
    lookup(name) {
      if (!known) return undefined;
      if (!known.declarations.has(name)) known.declarations.set(name, topLevelDeclaration(known.source, name, file));
      const decl = known.declarations.get(name);
      if (!decl) return undefined;
      return decl.isFunction ? { kind: "function", source: decl.text } : { kind: "value" };
    },
  };
}
