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
  outcome: "miss" | "hit" | "failed";
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
}

/** One point of a metric's history. */
export interface MetricPoint {
  step: number;
  value: number;
  tsMs: number;
}
