/**
 * Two runs compared, to answer "why did these two runs give different
 * results?": their params and final metrics, each step (computed or served
 * from the cache, and whether its cache key differs and why, from the key
 * parts the runner recorded), and the environment they ran in.
 *
 * The words for a key that changed are the runner's own (`explainChange`);
 * files are compared here, with their hashes, because the files a step read
 * are not key parts (a cache hit is checked against them instead).
 */
import { TrackingError } from "../errors";
import { explainChange, readableSource } from "../pipeline";
import type { InputRef, KeyParts } from "../pipeline";
import { lineDiff, stableStringify } from "../util";
import type { DiffHunk } from "../util";
import type { StoreConnection } from "./connection";
import type { ParamValue, RunDetails, RunId, RunRecord, RunStatus, StepExecution } from "./types";

/** One run of a diff, as the header names it. */
export interface DiffedRun {
  id: RunId;
  experiment: string;
  name: string | null;
  status: RunStatus;
  startedAt: string;
}

/** How one run got a step's output: its last execution of the step. */
export interface StepSide {
  outcome: "computed" | "cached" | "failed" | "interrupted";
  /** For a cached step: the run that computed the output. */
  fromRun?: RunId;
  tier?: "memory" | "disk";
  cacheKey?: string;
  error?: string;
  /** How many times the run executed the step (a notebook cell run again); the last one is compared. */
  executions: number;
}

/** A file whose content differs between the runs: declared (`files:`, a key part) or read while computing. */
export interface FileChange {
  path: string;
  /** Its hash in each run; undefined where that run did not declare or read it. */
  a?: string;
  b?: string;
  declared: boolean;
}

/**
 * The step function or one of its helpers, whose code differs between the
 * runs: its source in each run where the store kept it, and the line diff
 * when it kept both.
 */
export interface CodeChange {
  /** "step" for the step function itself, or the helper's name. */
  part: "step" | { helper: string };
  /** Its source in each run (as readableSource prints it); undefined where that run did not use it (a helper), or the store kept no source (an older pipelab). */
  a?: string;
  b?: string;
  /** The line diff from a to b (from or to nothing for a helper one run did not use); undefined when a source used was not stored. */
  hunks?: DiffHunk[];
}

/** One step in both runs. */
export interface StepDiff {
  step: string;
  /** Undefined where the run has no execution of the step. */
  a?: StepSide;
  b?: StepSide;
  /** Whether the two cache keys differ; undefined when one run lacks the step or its key. */
  keyChanged?: boolean;
  /** Why, in words: "code changed", "helper clean changed", "param lr changed (0.01 -> 0.1)", "file read data.csv changed (…)". */
  reasons: string[];
  files: FileChange[];
  /** The step function and helpers whose code differs, with their sources and a line diff. */
  code: CodeChange[];
}

/** The environment fields a diff compares. */
export type EnvironmentField = "gitCommit" | "gitDirty" | "pipelabVersion" | "nodeVersion" | "tfBackend" | "host";

/** What differs between two runs: `a` is the first run named, `b` the second ("added" means in `b` only). */
export interface RunDiff {
  a: DiffedRun;
  b: DiffedRun;
  params: {
    added: Record<string, ParamValue>;
    removed: Record<string, ParamValue>;
    changed: { key: string; a: ParamValue; b: ParamValue }[];
  };
  metrics: {
    /** Final values that differ, with `delta` = b - a. */
    changed: { key: string; a: number; b: number; delta: number }[];
    onlyA: Record<string, number>;
    onlyB: Record<string, number>;
  };
  /** Every step of either run, in run order. */
  steps: StepDiff[];
  /** Only the fields that differ. */
  environment: { field: EnvironmentField; a: string | boolean | null; b: string | boolean | null }[];
}

/** A step execution with the key record the runner wrote with it (JSON), as diffRuns reads it. */
export interface KeyedStep extends Omit<StepExecution, "keyParts" | "durationMs"> {
  keyParts?: string;
}

/** What diffRuns reads from a store (ExperimentStore has it). */
export interface RunDiffSource {
  readonly path: string;
  runDetails(run: RunId): RunDetails | undefined;
  keyedSteps(run: RunId): KeyedStep[];
  /** The source text stored for a code hash of a key record (its `code` or a helper's), if any. */
  codeSource(hash: string): string | undefined;
}

/**
 * What differs between runs `a` and `b`, and why: params, final metrics,
 * each step's outcome and the causes of a changed cache key, the environment.
 *
 * @example
 * ```ts
 * const diff = diffRuns(store, 3 as RunId, 4 as RunId);
 * for (const s of diff.steps) if (s.reasons.length > 0) console.log(s.step, s.reasons.join("; "));
 * ```
 */
export function diffRuns(store: RunDiffSource, a: RunId, b: RunId): RunDiff {
  const runA = details(store, a);
  const runB = details(store, b);
  return {
    a: diffed(runA),
    b: diffed(runB),
    params: diffParams(runA.params, runB.params),
    metrics: diffMetrics(runA.metrics, runB.metrics),
    steps: diffSteps(store.keyedSteps(a), store.keyedSteps(b), [a, b], (hash) => store.codeSource(hash)),
    environment: ENVIRONMENT_FIELDS.filter((f) => runA[f] !== runB[f]).map((field) => ({ field, a: runA[field], b: runB[field] })),
  };
}

/** The step executions of a run with their key records, in order. */
export function keyedSteps(conn: StoreConnection, run: RunId): KeyedStep[] {
  const rows = conn.db.prepare("SELECT step, outcome, tier, source_run_id, cache_key, error, key_parts FROM step_executions WHERE run_id = ? ORDER BY id").all(run) as KeyedRow[];
  return rows.map(toKeyedStep);
}

/** A row of step_executions with its key record, as diffRuns reads it, from either store. */
export interface KeyedRow {
  step: string;
  outcome: StepExecution["outcome"];
  tier: "memory" | "disk" | null;
  source_run_id: number | null;
  cache_key: string | null;
  error: string | null;
  key_parts: string | null;
}

/** A keyed row as a KeyedStep, its NULL columns left out. */
export function toKeyedStep(r: KeyedRow): KeyedStep {
  return {
    step: r.step,
    outcome: r.outcome,
    ...(r.tier === null ? {} : { tier: r.tier }),
    ...(r.source_run_id === null ? {} : { sourceRunId: r.source_run_id as RunId }),
    ...(r.cache_key === null ? {} : { cacheKey: r.cache_key }),
    ...(r.error === null ? {} : { error: r.error }),
    ...(r.key_parts === null ? {} : { keyParts: r.key_parts }),
  };
}

const ENVIRONMENT_FIELDS: readonly EnvironmentField[] = ["gitCommit", "gitDirty", "pipelabVersion", "nodeVersion", "tfBackend", "host"];

function details(store: RunDiffSource, run: RunId): RunDetails {
  const found = store.runDetails(run);
  if (!found) throw new TrackingError(`no run ${run} in ${store.path}; \`pipelab runs ls\` lists them`);
  return found;
}

function diffed(r: RunRecord): DiffedRun {
  return { id: r.id, experiment: r.experiment, name: r.name, status: r.status, startedAt: r.startedAt };
}

function diffParams(a: Record<string, ParamValue>, b: Record<string, ParamValue>): RunDiff["params"] {
  const out: RunDiff["params"] = { added: {}, removed: {}, changed: [] };
  for (const key of Object.keys(a)) if (!(key in b)) out.removed[key] = a[key] as ParamValue;
  for (const [key, value] of Object.entries(b)) {
    if (!(key in a)) out.added[key] = value;
    // As stored, type included: the number 1 and the string "1" differ.
    else if (stableStringify(a[key]) !== stableStringify(value)) out.changed.push({ key, a: a[key] as ParamValue, b: value });
  }
  return out;
}

function diffMetrics(a: Record<string, number>, b: Record<string, number>): RunDiff["metrics"] {
  const out: RunDiff["metrics"] = { changed: [], onlyA: {}, onlyB: {} };
  for (const [key, value] of Object.entries(a)) if (!(key in b)) out.onlyA[key] = value;
  for (const [key, value] of Object.entries(b)) {
    const was = a[key];
    if (was === undefined) out.onlyB[key] = value;
    else if (!Object.is(was, value)) out.changed.push({ key, a: was, b: value, delta: value - was });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Steps.

/** A run's executions of one step: the last one, and how many. */
type Executions = { last: KeyedStep; count: number };

/** A run's last execution of each step, in the order the steps first ran, with the execution count. */
function lastExecutions(steps: readonly KeyedStep[]): Map<string, Executions> {
  const out = new Map<string, Executions>();
  for (const s of steps) out.set(s.step, { last: s, count: (out.get(s.step)?.count ?? 0) + 1 });
  return out;
}

/** The steps of both runs in run order: a's, with each step only b ran placed after the step b ran before it. */
function stepOrder(a: readonly string[], b: readonly string[]): string[] {
  const order = [...a];
  let previous: string | undefined;
  for (const step of b) {
    if (!order.includes(step)) order.splice(previous === undefined ? 0 : order.indexOf(previous) + 1, 0, step);
    previous = step;
  }
  return order;
}

/** The source stored for a code hash. */
type SourceOf = (hash: string) => string | undefined;

function diffSteps(stepsA: readonly KeyedStep[], stepsB: readonly KeyedStep[], runs: readonly [RunId, RunId], sourceOf: SourceOf): StepDiff[] {
  const a = lastExecutions(stepsA);
  const b = lastExecutions(stepsB);
  return stepOrder([...a.keys()], [...b.keys()]).map((step) => diffStep(step, a.get(step), b.get(step), runs, sourceOf));
}

const OUTCOMES = { miss: "computed", hit: "cached", failed: "failed", interrupted: "interrupted" } as const;

function side({ last, count }: Executions): StepSide {
  return {
    outcome: OUTCOMES[last.outcome],
    ...(last.sourceRunId === undefined ? {} : { fromRun: last.sourceRunId }),
    ...(last.tier === undefined ? {} : { tier: last.tier }),
    ...(last.cacheKey === undefined ? {} : { cacheKey: last.cacheKey }),
    ...(last.error === undefined ? {} : { error: last.error }),
    executions: count,
  };
}

function diffStep(step: string, x: Executions | undefined, y: Executions | undefined, [idA, idB]: readonly [RunId, RunId], sourceOf: SourceOf): StepDiff {
  const out: StepDiff = { step, ...(x ? { a: side(x) } : {}), ...(y ? { b: side(y) } : {}), reasons: [], files: [], code: [] };
  if (!x || !y) return out;
  const keyA = x.last.cacheKey;
  const keyB = y.last.cacheKey;
  if (keyA !== undefined && keyB !== undefined) out.keyChanged = keyA !== keyB;
  const recA = x.last.keyParts === undefined ? undefined : readKeyRecord(x.last.keyParts);
  const recB = y.last.keyParts === undefined ? undefined : readKeyRecord(y.last.keyParts);
  if (!recA || !recB) {
    // An older pipelab recorded no parts for a failed or interrupted execution (or none at all).
    if (out.keyChanged) {
      const without = [...(recA ? [] : [idA]), ...(recB ? [] : [idB])].map((id) => `run ${id}`).join(" and ");
      out.reasons.push(`cannot say why: ${without} recorded no key parts for it (written by an older pipelab)`);
    }
    return out;
  }
  out.files = diffFiles(recA, recB);
  out.code = diffCode(recA.parts, recB.parts, sourceOf);
  if (out.keyChanged) {
    // Files are compared below, with their hashes: explainChange would name declared ones without them.
    const words = explainChange(withoutFiles(recA), withoutFiles(recB)).filter((r) => r !== "no change");
    out.reasons.push(...(words.length > 0 || out.files.some((f) => f.declared) ? words : ["key differs (its parts are equal: another pipelab wrote one)"]));
  }
  out.reasons.push(...out.files.map(fileWords));
  return out;
}

/** The step function and the helpers whose hashes differ, with their sources where stored. */
function diffCode(a: KeyParts, b: KeyParts, sourceOf: SourceOf): CodeChange[] {
  const change = (part: CodeChange["part"], hashA: string | undefined, hashB: string | undefined): CodeChange => {
    const stored = (hash: string | undefined): string | undefined => {
      const source = hash === undefined ? undefined : sourceOf(hash);
      return source === undefined ? undefined : readableSource(source);
    };
    const sourceA = stored(hashA);
    const sourceB = stored(hashB);
    // A helper one run did not use diffs from (or to) nothing; a hash whose source was not stored cannot be shown.
    const diffable = (hashA === undefined || sourceA !== undefined) && (hashB === undefined || sourceB !== undefined);
    return {
      part,
      ...(sourceA === undefined ? {} : { a: sourceA }),
      ...(sourceB === undefined ? {} : { b: sourceB }),
      ...(diffable ? { hunks: lineDiff(sourceA ?? "", sourceB ?? "") } : {}),
    };
  };
  const out: CodeChange[] = [];
  if (a.code !== b.code) out.push(change("step", a.code, b.code));
  for (const helper of [...new Set([...Object.keys(a.helpers), ...Object.keys(b.helpers)])].sort()) {
    if (a.helpers[helper] !== b.helpers[helper]) out.push(change({ helper }, a.helpers[helper], b.helpers[helper]));
  }
  return out;
}

function withoutFiles(r: StoredKeyRecord): StoredKeyRecord {
  return { ...r, parts: { ...r.parts, files: {} } };
}

function diffFiles(a: StoredKeyRecord, b: StoredKeyRecord): FileChange[] {
  const changes = (x: Record<string, string>, y: Record<string, string>, declared: boolean): FileChange[] =>
    [...new Set([...Object.keys(x), ...Object.keys(y)])]
      .filter((path) => x[path] !== y[path])
      .map((path) => ({ path, ...(x[path] === undefined ? {} : { a: x[path] }), ...(y[path] === undefined ? {} : { b: y[path] }), declared }));
  return [...changes(a.parts.files, b.parts.files, true), ...changes(a.readFiles, b.readFiles, false)];
}

function fileWords(f: FileChange): string {
  const what = `${f.declared ? "file" : "file read"} ${f.path}`;
  if (f.a === undefined) return `${what} added`;
  if (f.b === undefined) return `${what} removed`;
  return `${what} changed (${shortHash(f.a)} -> ${shortHash(f.b)})`;
}

function shortHash(hash: string): string {
  return hash.length > 12 ? hash.slice(0, 12) : hash;
}

// ---------------------------------------------------------------------------
// Key records as stored.

/** A key record read back from step_executions.key_parts: the parts explainChange compares, and the files read. */
interface StoredKeyRecord {
  parts: KeyParts;
  inputs: Record<string, InputRef>;
  variables: Record<string, InputRef>;
  readFiles: Record<string, string>;
}

function isRecordOfStrings(v: unknown): v is Record<string, string> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The key record the runner wrote, its shape checked; undefined when it is
 * not one (an older pipelab, or damaged): the diff then says it cannot tell
 * why, rather than failing. The same check as the runner's parseKeyRecord,
 * which tracking cannot import (workbench/ imports tracking/).
 */
function readKeyRecord(text: string): StoredKeyRecord | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(raw) || !isObject(raw.parts) || !isObject(raw.inputs)) return undefined;
  const parts = raw.parts;
  if (typeof parts.format !== "string" || typeof parts.code !== "string") return undefined;
  for (const field of ["helpers", "modules", "packages", "inputs", "files"]) if (!isRecordOfStrings(parts[field])) return undefined;
  if (parts.variables !== undefined && !isRecordOfStrings(parts.variables)) return undefined;
  return {
    parts: { ...(parts as unknown as KeyParts), variables: (parts.variables as Record<string, string> | undefined) ?? {} },
    inputs: raw.inputs as Record<string, InputRef>,
    variables: isObject(raw.variables) ? (raw.variables as Record<string, InputRef>) : {},
    readFiles: isRecordOfStrings(raw.readFiles) ? raw.readFiles : {},
  };
}

/** How each environment field is named to a person: one wording for the CLI and the runs page. */
export const ENVIRONMENT_LABELS: Readonly<Record<EnvironmentField, string>> = {
  gitCommit: "git commit",
  gitDirty: "uncommitted changes",
  pipelabVersion: "pipelab",
  nodeVersion: "node",
  tfBackend: "tf backend",
  host: "host",
};
