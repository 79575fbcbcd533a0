/**
 * Which version of each project module this process has loaded.
 *
 * A step's key describes its modules as they are on disk; the function that
 * runs is the one the process loaded, maybe before an edit. A step must never
 * compute with code other than the code its key describes, so before a step
 * computes, the runner asks which of its modules are loaded in another
 * version than the one on disk (`staleModules`).
 *
 * What was loaded is recorded as modules are compiled: a hook on Node's
 * module compiler (scripts, plain requires) and, in the pipelab kernel,
 * tslab's adapter telling which source each compiled file came from. The
 * record lives on `globalThis`, shared by every copy of pipelab in the
 * process (the kernel's and the notebook's may be two).
 */
import { readFileSync, statSync } from "node:fs";
import Module from "node:module";
import { sep } from "node:path";
import { sourceDigest } from "../util";

interface Registry {
  /** Source file -> digest of the source whose code was loaded (the latest load). */
  loaded: Map<string, string>;
  /** Compiled file -> the source it was compiled from, for loaders that compile to another path (tslab). */
  compiledFrom: Map<string, { source: string; digest: string }>;
  /** Whether every module load of this process has been seen (hooks installed before any project code ran). */
  complete: boolean;
  hooked: boolean;
}

const KEY = Symbol.for("pipelab.loadedModules");

function registry(): Registry {
  const g = globalThis as Record<symbol, unknown>;
  g[KEY] ??= { loaded: new Map(), compiledFrom: new Map(), complete: false, hooked: false } satisfies Registry;
  return g[KEY] as Registry;
}

function isProjectFile(file: string): boolean {
  return !file.split(sep).includes("node_modules") && !file.startsWith("node:");
}

/** Records that the code of `source`, as of `digest`, was loaded. */
export function recordLoadedModule(source: string, digest: string): void {
  registry().loaded.set(source, digest);
}

/** The digest of the source whose code this process loaded for `source`, if it was seen loading. */
export function loadedModuleDigest(source: string): string | undefined {
  return registry().loaded.get(source);
}

/** Records that `compiled` (what a loader will run) was compiled from `source` as of `digest`. */
export function recordCompiledModule(compiled: string, source: string, digest: string): void {
  registry().compiledFrom.set(compiled, { source, digest });
}

/**
 * Installs the hook that records every module Node compiles. `complete`
 * says that it is installed before any project code was loaded (the pipelab
 * kernel), so that a module without a record was not loaded at all.
 */
export function installModuleLoadHook(options: { complete?: boolean } = {}): void {
  const reg = registry();
  if (options.complete) reg.complete = true;
  if (reg.hooked) return;
  reg.hooked = true;
  // Node's module compiler is not in its typings; it is the one function every CommonJS load goes through.
  const proto = (Module as unknown as { prototype: { _compile(content: string, filename: string): unknown } }).prototype;
  const compile = proto._compile;
  proto._compile = function (this: unknown, content: string, filename: string): unknown {
    if (typeof filename === "string" && isProjectFile(filename)) {
      const from = reg.compiledFrom.get(filename);
      if (from) reg.loaded.set(from.source, from.digest);
      else {
        try {
          // The loader read the file a moment ago: its text is what is compiled.
          reg.loaded.set(filename, sourceDigest(readFileSync(filename, "utf8")));
        } catch {
          // a module with no file behind it (virtual, generated): nothing to compare with
        }
      }
    }
    return compile.call(this, content, filename);
  };
}

/** A module whose loaded code is not (or may not be) the code on disk. */
export interface StaleModule {
  file: string;
  why: "changed since it was loaded" | "modified after this process started";
}

/**
 * The modules among `files` (absolute path -> digest of the source on disk)
 * that this process runs in another version than the one on disk.
 */
export function staleModules(files: Readonly<Record<string, string>>): StaleModule[] {
  const reg = registry();
  const stale: StaleModule[] = [];
  for (const [file, digest] of Object.entries(files)) {
    if (digest === "missing" || !isProjectFile(file)) continue;
    const loaded = reg.loaded.get(file);
    if (loaded !== undefined) {
      if (loaded !== digest) stale.push({ file, why: "changed since it was loaded" });
      continue;
    }
    if (reg.complete) continue; // never loaded: whatever loads it reads the file as it is now
    // Not seen loading (an ES module, or loaded before pipelab): a file unchanged since this
    // process started can only have been loaded as it is now.
    try {
      if (statSync(file).mtimeMs > performance.timeOrigin) stale.push({ file, why: "modified after this process started" });
    } catch {
      // gone: the key already says "missing"
    }
  }
  return stale;
}
