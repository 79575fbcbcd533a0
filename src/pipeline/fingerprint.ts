/**
 * Fingerprints and cache keys.
 *
 * A step's cache key is the sha256 of everything its output depends on: its
 * name, its code (canonical form), the helper functions and project modules
 * that code calls, the versions of the packages involved, the fingerprints of
 * its inputs, the files it declared, and the cache format versions.
 *
 * A step's output carries its fingerprint from the moment it is produced
 * (an origin, kept in a WeakMap), so a downstream step never re-hashes a big
 * DataFrame or tensor to know whether its input changed.
 */
import { relative, sep } from "node:path";
import { sha256, stableStringify } from "../util";
import { analyzeFunction } from "./code";
import type { ImportBinding, ImportMap } from "./code";
import { moduleDeps } from "./modules";

/** Bump when the way keys are computed changes: every old entry is then stale. */
export const CACHE_VERSION = 1;

/** Where a value came from, when pipelab made it. */
export type Origin =
  | { kind: "step"; step: string; fingerprint: string }
  | { kind: "params"; fingerprint: string; values: Readonly<Record<string, unknown>> };

const origins = new WeakMap<object, Origin>();

/** Attaches an origin to an object value (primitives carry their content and need none). */
export function markOrigin(value: unknown, origin: Origin): void {
  if ((typeof value === "object" && value !== null) || typeof value === "function") origins.set(value as object, origin);
}

export function originOf(value: unknown): Origin | undefined {
  return (typeof value === "object" && value !== null) || typeof value === "function" ? origins.get(value as object) : undefined;
}

/** The fingerprint of a parameter set: its values, whatever the order of their keys. */
export function paramsFingerprint(values: Readonly<Record<string, unknown>>): string {
  return sha256(`params:${stableStringify(values)}`);
}

/** The fingerprint of a primitive value: its type and content. */
export function primitiveFingerprint(value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
    case "bigint":
    case "undefined":
      return sha256(`${typeof value}:${Object.is(value, -0) ? "-0" : String(value)}`);
    default:
      return value === null ? sha256("null") : undefined;
  }
}

/** How one input of a step is identified. */
export type InputRef =
  | { kind: "step"; step: string; fingerprint: string }
  | { kind: "params"; fingerprint: string; values: Readonly<Record<string, unknown>> }
  | { kind: "value"; fingerprint: string; preview: string };

/** The code environment a step function lives in: a notebook or a script module. */
export interface CodeEnvironment {
  /** What the notebook or module imported, by local name. */
  readonly imports: ImportMap;
  /** The folder relative imports resolve from. */
  readonly baseDir: string;
  /** What a free name is bound to in the notebook or module: a function's source, another value, or unknown. */
  lookup(name: string): { kind: "function"; source: string } | { kind: "value" } | undefined;
}

/** A step function's code fingerprint, in parts so that changes can be explained. */
export interface CodeFingerprint {
  /** The canonical hash of the function itself. */
  code: string;
  /** Helper functions of the notebook or script the code calls, by name. */
  helpers: Record<string, string>;
  /** Project modules the code imports, transitively: path relative to the project root -> hash. */
  modules: Record<string, string>;
  /** Packages the code and those modules import: name -> version. */
  packages: Record<string, string>;
  /** Free names bound to plain values (not functions, not imports): caching cannot see them change. */
  undeclared: string[];
}

const analysisCache = new Map<string, ReturnType<typeof analyzeFunction>>();

function analyze(source: string, imports: ImportMap): ReturnType<typeof analyzeFunction> {
  // Keyed by the imports too: the same text means different code under other imports.
  const key = `${source}\0${stableStringify(imports)}`;
  let hit = analysisCache.get(key);
  if (!hit) {
    hit = analyzeFunction(source, imports);
    if (analysisCache.size > 2000) analysisCache.clear();
    analysisCache.set(key, hit);
  }
  return hit;
}

/** Fingerprints a step function's code in its environment. */
export function fingerprintCode(fn: (...args: never[]) => unknown, env: CodeEnvironment, projectRoot: string): CodeFingerprint {
  const used: Record<string, ImportBinding> = {};
  const helpers: Record<string, string> = {};
  const undeclared = new Set<string>();
  let code: string;

  const direct = fn.name ? env.imports[fn.name] : undefined;
  if (direct) {
    // An imported function passed as the step: its module's source is its code.
    used[fn.name] = direct;
    code = sha256(`import:${direct.specifier}#${direct.imported}`);
  } else {
    const root = analyze(fn.toString(), env.imports);
    code = root.hash;
    Object.assign(used, root.imports);
    const pending = [...root.freeNames];
    while (pending.length > 0) {
      const name = pending.shift() as string;
      if (name in helpers || undeclared.has(name)) continue;
      const bound = env.lookup(name);
      if (bound?.kind === "function") {
        const helper = analyze(bound.source, env.imports);
        helpers[name] = helper.hash;
        Object.assign(used, helper.imports);
        pending.push(...helper.freeNames);
      } else {
        undeclared.add(name);
      }
    }
  }
  const deps = moduleDeps(
    Object.values(used).map((b) => b.specifier),
    env.baseDir,
  );
  const modules: Record<string, string> = {};
  for (const [file, hash] of Object.entries(deps.files)) modules[projectPath(file, projectRoot)] = hash;
  return { code, helpers, modules, packages: deps.packages, undeclared: [...undeclared].sort() };
}

/** A path relative to the project root with forward slashes, so keys agree across machines and clones. */
export function projectPath(file: string, projectRoot: string): string {
  const rel = relative(projectRoot, file);
  return (rel.startsWith("..") ? file : rel).split(sep).join("/");
}

/** Everything a cache key is made of. */
export interface KeyParts {
  version: number;
  step: string;
  code: CodeFingerprint["code"];
  helpers: CodeFingerprint["helpers"];
  modules: CodeFingerprint["modules"];
  packages: CodeFingerprint["packages"];
  inputs: Record<string, string>;
  files: Record<string, string>;
  /** The cache format: codec and serializer versions. */
  format: string;
}

/** The cache key of a step: sha256 of its key parts. */
export function cacheKey(parts: KeyParts): string {
  return sha256(stableStringify(parts));
}

function diffRecords(label: string, before: Record<string, string>, after: Record<string, string>): string[] {
  const out: string[] = [];
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (before[k] === after[k]) continue;
    if (before[k] === undefined) out.push(`${label} ${k} added`);
    else if (after[k] === undefined) out.push(`${label} ${k} removed`);
    else out.push(`${label} ${k} changed`);
  }
  return out;
}

/**
 * Why a step's key changed, in words: "code changed", "helper module
 * src/features.ts changed", "param seed changed (7 -> 8)", "input clean
 * changed", "file data/cars.csv changed", "danfojs-node 1.2.0 -> 1.3.0".
 */
export function explainChange(
  before: { parts: KeyParts; inputs: Record<string, InputRef> },
  after: { parts: KeyParts; inputs: Record<string, InputRef> },
): string[] {
  const reasons: string[] = [];
  const b = before.parts;
  const a = after.parts;
  if (b.version !== a.version || b.format !== a.format) reasons.push("cache format changed");
  if (b.code !== a.code) reasons.push("code changed");
  reasons.push(...diffRecords("helper", b.helpers, a.helpers));
  reasons.push(...diffRecords("module", b.modules, a.modules));
  for (const p of new Set([...Object.keys(b.packages), ...Object.keys(a.packages)])) {
    if (b.packages[p] !== a.packages[p]) reasons.push(`package ${p} ${b.packages[p] ?? "(none)"} -> ${a.packages[p] ?? "(none)"}`);
  }
  for (const name of new Set([...Object.keys(b.inputs), ...Object.keys(a.inputs)])) {
    if (b.inputs[name] === a.inputs[name]) continue;
    const was = before.inputs[name];
    const now = after.inputs[name];
    if (!was) reasons.push(`input ${name} added`);
    else if (!now) reasons.push(`input ${name} removed`);
    else if (was.kind === "params" && now.kind === "params") {
      const keys = new Set([...Object.keys(was.values), ...Object.keys(now.values)]);
      for (const k of keys) {
        const x = JSON.stringify(was.values[k]);
        const y = JSON.stringify(now.values[k]);
        if (x !== y) reasons.push(`param ${k} changed (${x ?? "unset"} -> ${y ?? "unset"})`);
      }
    } else if (was.kind === "value" && now.kind === "value") reasons.push(`input ${name} changed (${was.preview} -> ${now.preview})`);
    else if (now.kind === "step") reasons.push(`input ${name} changed (step ${now.step} produced a different output)`);
    else reasons.push(`input ${name} changed`);
  }
  reasons.push(...diffRecords("file", b.files, a.files));
  return reasons.length > 0 ? reasons : ["no change"];
}
