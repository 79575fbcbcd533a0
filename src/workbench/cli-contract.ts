/**
 * The contract between the workbench and the processes that start it
 * (`pipelab run`, `verify`, `sweep`, the kernel): the environment variables
 * they set, read in one place.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { PipelabError } from "../errors";
import { inKernel } from "../notebook";
import type { ParamValue, SourceKind } from "../tracking";
import { findProjectRoot, sha256 } from "../util";

/** The environment variable that moves the step cache. */
export const CACHE_DIR_ENV = "PIPELAB_CACHE_DIR";

/** The cache folder unless told otherwise. */
export function defaultCacheDir(cwd: string = process.cwd()): string {
  const root = findProjectRoot(cwd);
  const fromEnv = process.env[CACHE_DIR_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return resolve(root, fromEnv);
  return join(root, ".pipelab", "cache");
}

/** The environment variable through which `pipelab sweep` tags the runs it makes (a JSON object of text values). */
export const TAGS_ENV = "PIPELAB_TAGS";

export function runTags(): Record<string, string> {
  const text = process.env[TAGS_ENV];
  if (!text) return {};
  try {
    return Object.fromEntries(Object.entries(JSON.parse(text) as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  } catch {
    throw new PipelabError(`${TAGS_ENV} is not a JSON object: ${text}`);
  }
}

/** The environment variable through which `pipelab run` and `pipelab sweep` override parameters (a JSON object). */
export const PARAMS_ENV = "PIPELAB_PARAMS";

let overrides: Record<string, unknown> | undefined;

/** The declared parameters with the overrides of PIPELAB_PARAMS applied, their types checked. */
export function applyOverrides<P extends Record<string, ParamValue>>(declared: P): P {
  if (overrides === undefined) {
    const text = process.env[PARAMS_ENV];
    try {
      overrides = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      throw new PipelabError(`${PARAMS_ENV} is not a JSON object: ${text}`);
    }
  }
  const out: Record<string, ParamValue> = { ...declared };
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in declared)) continue;
    const expected = typeof declared[key];
    if (typeof value !== expected && !(declared[key] === null || typeof declared[key] === "object")) {
      throw new PipelabError(`parameter "${key}" is a ${expected} (declared ${JSON.stringify(declared[key])}); the override ${JSON.stringify(value)} is a ${typeof value}`);
    }
    out[key] = value as ParamValue;
  }
  return out as P;
}

/** Where this run's code comes from: the notebook (when known) or the script file. */
export function describeSource(): { kind: SourceKind; path?: string; hash?: string } {
  const named = process.env.PIPELAB_SOURCE ?? process.env.JPY_SESSION_NAME;
  if (inKernel()) return named ? { kind: "notebook", ...hashFile(named) } : { kind: "notebook" };
  const script = process.argv[1];
  if (script === undefined) return { kind: "interactive" };
  return { kind: "script", ...hashFile(script) };
}

function hashFile(path: string): { path: string; hash?: string } {
  const file = resolve(path);
  try {
    return { path: file, hash: sha256(readFileSync(file)) };
  } catch {
    return { path: file };
  }
}
