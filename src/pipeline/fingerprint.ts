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
import { NOT_DATA, sha256, stableStringify } from "../util";
import { analyzeFunction } from "./code";
import type { Binding, ImportBinding, ImportMap } from "./code";
import { moduleDeps } from "./modules";

/** Bump when the way keys are computed changes: every old entry is then stale. */
export const CACHE_VERSION = 2;

/** Objects that are not data carry this symbol (util's one mark, re-exported here). */
export { NOT_DATA };

const UNTRACKED = Symbol.for("pipelab.untracked");

function untrackedSet(): WeakSet<object> {
  // Shared by every copy of pipelab in the process (a kernel's and a notebook's).
  const g = globalThis as Record<symbol, unknown>;
  g[UNTRACKED] ??= new WeakSet<object>();
  return g[UNTRACKED] as WeakSet<object>;
}

/** Whether a value is marked as not data (NOT_DATA, or `untracked`). */
export function isNotData(value: unknown): boolean {
  if ((typeof value !== "object" || value === null) && typeof value !== "function") return false;
  return (value as Record<symbol, unknown>)[NOT_DATA] === true || untrackedSet().has(value as object);
}

/**
 * Marks an object that a step may read without depending on it: a logger,
 * a connection, a counter of calls. A step reads such a variable without
 * it being part of the step's key, so changing it never recomputes the step
 * (and reading it never stops the step from being cached). Everything else a
 * step reads from its notebook or script is part of its key, by value.
 *
 * @example
 * ```ts
 * const calls = untracked({ n: 0 });
 * const clean = await wb.step("clean", { raw }, ({ raw }) => (calls.n++, raw.dropNa()));
 * ```
 */
export function untracked<T extends object>(value: T): T {
  untrackedSet().add(value);
  return value;
}

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
  /** A notebook (variables readable now, modules loaded by cells) or a script (read from its source). */
  readonly kind: "notebook" | "script";
  /** What the notebook or module imported, by local name. */
  readonly imports: ImportMap;
  /** The folder relative imports resolve from. */
  readonly baseDir: string;
  /**
   * What the free names of `fn` (the step function or a helper) are bound to
   * in the notebook or module, as they are now; a name missing from the
   * result is bound to nothing the step can see. `cellVariables` are the
   * names `fn` reads as variables of earlier notebook cells (`exports.x`);
   * the others are variables of its closure.
   */
  resolve(names: readonly string[], fn: (...args: never[]) => unknown, cellVariables: ReadonlySet<string>): Map<string, Binding>;
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
  /** Free names of the code and its helpers that are not functions nor imports, with what binds them (sorted by name). */
  variables: { name: string; binding: Exclude<Binding, { kind: "function" }> | undefined }[];
  /** The imports the code and its helpers use, by local name. */
  imports: Record<string, ImportBinding>;
  /** The project modules by absolute path -> source digest: what the loaded code is checked against. */
  moduleFiles: Record<string, string>;
  /** String literals of the code and its helpers that could name files. */
  pathLiterals: string[];
  /**
   * The source text of the step function and of each helper, by the hash that
   * stands for it in the key (`code`, or a value of `helpers`): what a diff of
   * two runs shows when a hash changed. A builtin or imported step has none.
   */
  sources: Record<string, string>;
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

const BUILTIN = Symbol.for("pipelab.builtinStep");

/**
 * Marks a step function that pipelab itself provides (the function of
 * `wb.sql`): its code is identified by `id` (which names its version), not
 * by analysing its source, whose free names are pipelab's own modules.
 *
 * @example
 * ```ts
 * const runSqlStep = builtinStep(`pipelab.sql@${pipelabVersion()}/1`, ({ query }) => sql(query));
 * ```
 */
export function builtinStep<F extends (...args: never[]) => unknown>(id: string, fn: F): F {
  Object.defineProperty(fn, BUILTIN, { value: id });
  return fn;
}

function builtinId(fn: (...args: never[]) => unknown): string | undefined {
  const id = (fn as unknown as Record<symbol, unknown>)[BUILTIN];
  return typeof id === "string" ? id : undefined;
}

/** Fingerprints a step function's code in its environment. */
export function fingerprintCode(fn: (...args: never[]) => unknown, env: CodeEnvironment, projectRoot: string): CodeFingerprint {
  const used: Record<string, ImportBinding> = {};
  const helpers: Record<string, string> = {};
  const variables = new Map<string, Exclude<Binding, { kind: "function" }> | undefined>();
  const paths = new Set<string>();
  const sources: Record<string, string> = {};
  let code: string;

  const direct = fn.name ? env.imports[fn.name] : undefined;
  const builtin = builtinId(fn);
  if (builtin !== undefined) {
    code = sha256(`builtin:${builtin}`);
  } else if (direct) {
    // An imported function passed as the step: its module's source is its code.
    used[fn.name] = direct;
    code = sha256(`import:${direct.specifier}#${direct.imported}`);
  } else {
    const text = fn.toString();
    const root = analyze(text, env.imports);
    code = root.hash;
    sources[code] = text;
    Object.assign(used, root.imports);
    for (const p of root.pathLiterals) paths.add(p);
    // Free names, with the function they are free in: helpers are looked up from the step, their own names from them.
    const pending: { names: string[]; from: (...args: never[]) => unknown; cells: ReadonlySet<string> }[] = [
      { names: root.freeNames, from: fn, cells: new Set(root.cellVariables) },
    ];
    while (pending.length > 0) {
      const { names, from, cells } = pending.shift() as (typeof pending)[number];
      const todo = names.filter((n) => !(n in helpers) && !variables.has(n));
      if (todo.length === 0) continue;
      const bound = env.resolve(todo, from, cells);
      for (const name of todo) {
        if (name in helpers || variables.has(name)) continue;
        const b = bound.get(name);
        if (b?.kind === "function") {
          const helper = analyze(b.source, env.imports);
          helpers[name] = helper.hash;
          sources[helper.hash] = b.source;
          Object.assign(used, helper.imports);
          for (const p of helper.pathLiterals) paths.add(p);
          pending.push({ names: helper.freeNames, from: b.fn, cells: new Set(helper.cellVariables) });
        } else {
          variables.set(name, b);
        }
      }
    }
  }
  const deps = moduleDeps(
    Object.values(used).map((b) => b.specifier),
    env.baseDir,
  );
  const modules: Record<string, string> = {};
  for (const [file, hash] of Object.entries(deps.files)) modules[projectPath(file, projectRoot)] = hash;
  return {
    code,
    helpers,
    modules,
    packages: deps.packages,
    variables: [...variables.keys()].sort().map((name) => ({ name, binding: variables.get(name) })),
    imports: used,
    moduleFiles: deps.files,
    pathLiterals: [...paths].sort(),
    sources,
  };
}

/** A path relative to the project root with forward slashes, so keys agree across machines and clones. */
export function projectPath(file: string, projectRoot: string): string {
  const rel = relative(projectRoot, file);
  return (rel.startsWith("..") ? file : rel).split(sep).join("/");
}

/** Everything a cache key is made of. */
export interface KeyParts {
  step: string;
  code: CodeFingerprint["code"];
  helpers: CodeFingerprint["helpers"];
  modules: CodeFingerprint["modules"];
  packages: CodeFingerprint["packages"];
  inputs: Record<string, string>;
  /** Notebook or script variables the code reads without taking them as inputs: name -> fingerprint of the value. */
  variables: Record<string, string>;
  /** Declared files: path -> content hash. */
  files: Record<string, string>;
  /**
   * The one version of the cache's format, derived from all that shapes it:
   * how keys are computed (CACHE_VERSION), the codec, the artifact layout and
   * the serializers' versions (`key2/codec3/layout2/danfo.DataFrame@1,...`).
   * Any change makes every older entry stale.
   */
  format: string;
}

/**
 * A step's key as recorded with each execution: the parts, and what is
 * needed to say in words what changed (inputs and variables with their
 * previews, the files the step read through pipelab's readers).
 */
export interface KeyRecord {
  parts: KeyParts;
  inputs: Record<string, InputRef>;
  variables: Record<string, InputRef>;
  /** Files the step read while computing (readCsv, readJson, loadDataset): absolute path -> content hash. */
  readFiles: Record<string, string>;
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
  before: { parts: KeyParts; inputs: Record<string, InputRef>; variables?: Record<string, InputRef> },
  after: { parts: KeyParts; inputs: Record<string, InputRef>; variables?: Record<string, InputRef> },
): string[] {
  const reasons: string[] = [];
  const b = before.parts;
  const a = after.parts;
  if (b.format !== a.format) reasons.push("cache format changed");
  if (b.code !== a.code) reasons.push("code changed");
  reasons.push(...diffRecords("helper", b.helpers, a.helpers));
  reasons.push(...diffRecords("module", b.modules, a.modules));
  for (const p of new Set([...Object.keys(b.packages), ...Object.keys(a.packages)])) {
    if (b.packages[p] !== a.packages[p]) reasons.push(`package ${p} ${b.packages[p] ?? "(none)"} -> ${a.packages[p] ?? "(none)"}`);
  }
  reasons.push(...diffRefs("input", b.inputs, a.inputs, before.inputs, after.inputs));
  reasons.push(...diffRefs("variable", b.variables ?? {}, a.variables ?? {}, before.variables ?? {}, after.variables ?? {}));
  // Files read while computing are not key parts: a hit is checked against them (the runner says which changed).
  reasons.push(...diffRecords("file", b.files, a.files));
  return reasons.length > 0 ? reasons : ["no change"];
}

/** What changed among named inputs or variables, with previews and parameter values where known. */
function diffRefs(
  label: "input" | "variable",
  b: Record<string, string>,
  a: Record<string, string>,
  was: Record<string, InputRef>,
  now: Record<string, InputRef>,
): string[] {
  const reasons: string[] = [];
  for (const name of new Set([...Object.keys(b), ...Object.keys(a)])) {
    if (b[name] === a[name]) continue;
    const x = was[name];
    const y = now[name];
    if (b[name] === undefined || !x) reasons.push(`${label} ${name} added`);
    else if (a[name] === undefined || !y) reasons.push(`${label} ${name} removed`);
    else if (x.kind === "params" && y.kind === "params") {
      const keys = new Set([...Object.keys(x.values), ...Object.keys(y.values)]);
      for (const k of keys) {
        const p = JSON.stringify(x.values[k]);
        const q = JSON.stringify(y.values[k]);
        if (p !== q) reasons.push(`param ${k} changed (${p ?? "unset"} -> ${q ?? "unset"})`);
      }
    } else if (x.kind === "value" && y.kind === "value") reasons.push(`${label} ${name} changed (${x.preview} -> ${y.preview})`);
    else if (y.kind === "step") reasons.push(`${label} ${name} changed (step ${y.step} produced a different output)`);
    else reasons.push(`${label} ${name} changed`);
  }
  return reasons;
}
