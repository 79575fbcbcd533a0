import type { RunFilter } from "./filter-tree";

/** A run's id in the store. Branded so that it is not mixed up with other numbers. */
export type RunId = number & { readonly __brand: "RunId" };

/** An experiment's id in the store. */
export type ExperimentId = number & { readonly __brand: "ExperimentId" };

export type RunStatus = "running" | "finished" | "failed" | "killed" | "crashed";

/** Where a run came from. */
export type SourceKind = "notebook" | "script" | "interactive";

/** A parameter value as stored: numbers, strings and booleans keep their type, anything else is JSON. */
export type ParamValue = number | string | boolean | null | readonly unknown[] | { readonly [key: string]: unknown };

/** What a new run records about itself. */
export interface RunInit {
  experiment: string;
  name?: string;
  sourceKind: SourceKind;
  sourcePath?: string;
  sourceHash?: string;
  tfBackend?: string;
  /** The git commit of the project, and whether its work tree had uncommitted changes. */
  git?: { commit: string; dirty: boolean };
}

/** One row of the runs table, with its experiment's name. */
export interface RunRecord {
  id: RunId;
  experiment: string;
  name: string | null;
  status: RunStatus;
  sourceKind: SourceKind;
  sourcePath: string | null;
  sourceHash: string | null;
  startedAt: string;
  endedAt: string | null;
  heartbeatAt: string;
  host: string;
  pid: number;
  nodeVersion: string;
  pipelabVersion: string;
  tfBackend: string | null;
  error: string | null;
  failedStep: string | null;
  gitCommit: string | null;
  gitDirty: boolean | null;
  note: string | null;
  /** Set when the run was deleted (it can be restored). */
  deletedAt: string | null;
}

/** A run with its parameters, final metric values and tags. */
export interface RunDetails extends RunRecord {
  params: Record<string, ParamValue>;
  metrics: Record<string, number>;
  tags: Record<string, string>;
}

/** A step execution, as the runner reports it. */
export interface StepExecution {
  step: string;
  cacheKey?: string;
  /** Computed (`miss`), served from a cache (`hit`), failed, or stopped by the user (`interrupted`: Jupyter's interrupt). */
  outcome: "miss" | "hit" | "failed" | "interrupted";
  tier?: "memory" | "disk";
  sourceRunId?: RunId;
  durationMs: number;
  outputFingerprint?: string;
  outputBytes?: number;
  error?: string;
  /** For a computed step: why it did not come from the cache ("param lr changed (0.01 -> 0.1)"). */
  reason?: string;
  /** What the step's cache key was made of (JSON the runner writes, to explain the next recompute); not read back by stepExecutions. */
  keyParts?: string;
  /**
   * The source text of the step function and its helpers, by the hash that
   * stands for each in keyParts: stored once per hash, for a diff of two runs
   * to show. Not read back by stepExecutions.
   */
  codeSources?: Readonly<Record<string, string>>;
}

/** One point of a metric's history. */
export interface MetricPoint {
  step: number;
  value: number;
  tsMs: number;
}

/**
 * A metric point on its way to the store: `step` is 0 when omitted (a single
 * value), `tsMs` the time of the write. The one shape every writer of points
 * uses (logMetrics, MetricBuffer).
 */
export interface MetricPointInput {
  key: string;
  value: number;
  step?: number;
  tsMs?: number;
}

/** What failed in a run, and in which step. */
export interface RunFailure {
  error: string;
  step?: string;
}

/** An artifact (a chart, a model, a file) as a run records it. */
export interface ArtifactInit {
  name: string;
  kind: string;
  cacheKey?: string;
  path?: string;
}

/** An artifact as the store lists it. */
export interface ArtifactRecord {
  name: string;
  kind: string;
  cacheKey: string | null;
  path: string | null;
  createdAt: string;
}

/** How many steps of a run were computed, served from the cache, failed, or were stopped by the user. */
export interface StepCounts {
  computed: number;
  cached: number;
  failed: number;
  interrupted: number;
}

/** The latest key of a step: which run recorded it, and the key parts (JSON the runner wrote). */
export interface StepKey {
  runId: RunId;
  cacheKey: string;
  keyParts: string;
}

/** How to read a metric's history. */
export interface HistoryOptions {
  /** Thin a longer history to about this many points. */
  maxPoints?: number;
}

/** Which runs: by experiment, by filter, by id, with or without deleted ones, one page of them. */
export interface RunQuery {
  experiment?: string;
  /** An expression (`metrics.accuracy > 0.9 and params.model = "mlp"`) or a filter object. */
  filter?: RunFilter;
  ids?: readonly RunId[];
  includeDeleted?: boolean;
  limit?: number;
  offset?: number;
}

/** A selection of runs, and which way is best for the metric (default: metricMode's rule). */
export type BestRunQuery = RunQuery & { mode?: "max" | "min" };

/** A comparison request: which runs, which columns (all when omitted), in which order. */
export interface CompareQuery extends RunQuery {
  params?: readonly string[];
  metrics?: readonly string[];
  /** The order of the runs; runs that lack the value come last, ties newest first. Default: newest first. */
  orderBy?: RunOrder;
}

/** The run's own fields a comparison can be sorted by (`started` is the id order). */
export type RunOrderField = "started" | "duration" | "name" | "experiment" | "status" | "source";

/**
 * What to sort runs by: a metric's final value (or the lowest or highest of
 * its history), a param (numbers as numbers, before text), or a field of the
 * run; descending unless `direction` says "asc".
 */
export type RunOrder = ({ metric: string; aggregate?: "last" | "min" | "max" } | { param: string } | { field: RunOrderField }) & { direction?: "asc" | "desc" };

/** One run in a comparison. */
export interface ComparedRun {
  id: RunId;
  name: string | null;
  experiment: string;
  status: RunStatus;
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  params: Record<string, ParamValue>;
  metrics: Record<string, number>;
}

/** Runs side by side, with the columns whose values differ across them. */
export interface RunComparison {
  /** All runs the selection matches (the page holds `runs.length` of them, from `offset`). */
  total: number;
  offset: number;
  params: string[];
  metrics: string[];
  differing: { params: string[]; metrics: string[] };
  /** Per metric, the lowest and highest value on this page. */
  ranges: Record<string, { min: number; max: number }>;
  runs: ComparedRun[];
}
