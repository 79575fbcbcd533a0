/**
 * The rows both stores insert for a new run and for a step execution, as
 * their columns and the values bound to them in that order: one list, so that
 * the SQLite file and the PostgreSQL store record the same fields.
 */
import { hostname } from "node:os";
import { pipelabVersion } from "../util";
import { currentProcess } from "./process-owner";
import type { RunId, RunInit, StepExecution } from "./types";

/** The columns of a new run (status 'running' apart), in the order of runValues. */
export const RUN_INSERT_COLUMNS = [
  "experiment_id",
  "name",
  "source_kind",
  "source_path",
  "source_hash",
  "started_at",
  "heartbeat_at",
  "host",
  "pid",
  "pid_start_ticks",
  "boot_id",
  "node_version",
  "pipelab_version",
  "tf_backend",
  "git_commit",
  "git_dirty",
] as const;

/** A new run's values for RUN_INSERT_COLUMNS: who starts it (this process, this host), when, and what it says of itself. */
export function runValues(experiment: number, init: RunInit, now: string): (string | number | null)[] {
  const owner = currentProcess();
  return [
    experiment,
    init.name ?? null,
    init.sourceKind,
    init.sourcePath ?? null,
    init.sourceHash ?? null,
    now,
    now,
    hostname(),
    owner.pid,
    owner.startTicks,
    owner.bootId,
    process.version,
    pipelabVersion(),
    init.tfBackend ?? null,
    init.git?.commit ?? null,
    init.git === undefined ? null : init.git.dirty ? 1 : 0,
  ];
}

/** The columns of a step execution, in the order of stepValues. */
export const STEP_INSERT_COLUMNS = [
  "run_id",
  "step",
  "cache_key",
  "outcome",
  "tier",
  "source_run_id",
  "duration_ms",
  "output_fingerprint",
  "output_bytes",
  "error",
  "started_at",
  "reason",
  "key_parts",
] as const;

/** A step execution's values for STEP_INSERT_COLUMNS. */
export function stepValues(run: RunId, exec: StepExecution, now: string): (string | number | null)[] {
  return [
    run,
    exec.step,
    exec.cacheKey ?? null,
    exec.outcome,
    exec.tier ?? null,
    exec.sourceRunId ?? null,
    exec.durationMs,
    exec.outputFingerprint ?? null,
    exec.outputBytes ?? null,
    exec.error ?? null,
    now,
    exec.reason ?? null,
    exec.keyParts ?? null,
  ];
}

/** `?` placeholders for `n` values (SQLite), or `$1`..`$n` (PostgreSQL). */
export function placeholders(n: number, dialect: "sqlite" | "postgres"): string {
  return Array.from({ length: n }, (_, i) => (dialect === "sqlite" ? "?" : `$${i + 1}`)).join(", ");
}
