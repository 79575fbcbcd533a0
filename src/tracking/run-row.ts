/**
 * A row of the runs table (with its experiment's name) and the RunRecord it
 * becomes: the one mapping from column names to fields.
 */
import type { RunId, RunRecord, RunStatus, SourceKind } from "./types";

/** The columns of a run as RunRow has them, from `runs r JOIN experiments e ON e.id = r.experiment_id`. */
export const RUN_COLUMNS = `r.id, e.name AS experiment, r.name, r.status, r.source_kind, r.source_path,
  r.source_hash, r.started_at, r.ended_at, r.heartbeat_at, r.host, r.pid, r.node_version,
  r.pipelab_version, r.tf_backend, r.error, r.failed_step, r.git_commit, r.git_dirty, r.note, r.deleted_at`;

export interface RunRow {
  id: number;
  experiment: string;
  name: string | null;
  status: RunStatus;
  source_kind: SourceKind;
  source_path: string | null;
  source_hash: string | null;
  started_at: string;
  ended_at: string | null;
  heartbeat_at: string;
  host: string;
  pid: number;
  node_version: string;
  pipelab_version: string;
  tf_backend: string | null;
  error: string | null;
  failed_step: string | null;
  git_commit: string | null;
  git_dirty: number | null;
  note: string | null;
  deleted_at: string | null;
}

export function toRecord(row: RunRow): RunRecord {
  return {
    id: row.id as RunId,
    experiment: row.experiment,
    name: row.name,
    status: row.status,
    sourceKind: row.source_kind,
    sourcePath: row.source_path,
    sourceHash: row.source_hash,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    heartbeatAt: row.heartbeat_at,
    host: row.host,
    pid: row.pid,
    nodeVersion: row.node_version,
    pipelabVersion: row.pipelab_version,
    tfBackend: row.tf_backend,
    error: row.error,
    failedStep: row.failed_step,
    gitCommit: row.git_commit,
    gitDirty: row.git_dirty === null ? null : row.git_dirty === 1,
    note: row.note,
    deletedAt: row.deleted_at,
  };
}
