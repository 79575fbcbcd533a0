/**
 * A run's life in the runs table: started `running` by a process that
 * records who it is (host, pid, start time, boot), kept alive by heartbeats,
 * ended once (finished, failed, killed), or marked failed afterwards by the
 * process that saw it fail. The crash sweep (crash-sweep.ts) ends the runs
 * whose process died without ending them.
 */
import { hostname } from "node:os";
import { TrackingError } from "../errors";
import { pipelabVersion } from "../util";
import { nowIso } from "./connection";
import type { StoreConnection } from "./connection";
import { currentProcess } from "./process-owner";
import { checkName } from "./value-checks";
import type { ExperimentId, RunFailure, RunId, RunInit, RunStatus } from "./types";

export function experimentId(conn: StoreConnection, name: string): ExperimentId {
  if (name.trim() === "") throw new TrackingError(`invalid experiment name: ${JSON.stringify(name)} (use a non-empty name)`);
  checkName("experiment", name);
  return conn.write(`create experiment ${JSON.stringify(name)}`, () => {
    conn.db.prepare("INSERT INTO experiments (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING").run(name, nowIso());
    const row = conn.db.prepare("SELECT id FROM experiments WHERE name = ?").get(name) as { id: number };
    return row.id as ExperimentId;
  });
}

export function createRun(conn: StoreConnection, init: RunInit): RunId {
  if (init.name !== undefined) checkName("run", init.name);
  conn.refuseIfReadOnly(`start a run of experiment ${JSON.stringify(init.experiment)}`);
  const experiment = experimentId(conn, init.experiment);
  const now = nowIso();
  const owner = currentProcess();
  const info = conn.write(`start a run of experiment ${JSON.stringify(init.experiment)}`, () =>
    conn.db
      .prepare(
        `INSERT INTO runs (experiment_id, name, status, source_kind, source_path, source_hash, started_at,
           heartbeat_at, host, pid, pid_start_ticks, boot_id, node_version, pipelab_version, tf_backend, git_commit, git_dirty)
         VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
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
      ),
  );
  return Number(info.lastInsertRowid) as RunId;
}

export function heartbeat(conn: StoreConnection, run: RunId): void {
  conn.write(`refresh the heartbeat of run ${run}`, () => conn.stmt("UPDATE runs SET heartbeat_at = ? WHERE id = ? AND status = 'running'").run(nowIso(), run));
}

export function endRun(conn: StoreConnection, run: RunId, status: Exclude<RunStatus, "running">, failure?: RunFailure): void {
  conn.write(`end run ${run} as ${status}`, () =>
    conn.db
      .prepare("UPDATE runs SET status = ?, ended_at = ?, error = ?, failed_step = ? WHERE id = ? AND status = 'running'")
      .run(status, nowIso(), failure?.error ?? null, failure?.step ?? null, run),
  );
}

export function failRun(conn: StoreConnection, run: RunId, failure: RunFailure): void {
  conn.write(`mark run ${run} failed`, () =>
    conn.db
      .prepare("UPDATE runs SET status = 'failed', ended_at = COALESCE(ended_at, ?), error = ?, failed_step = ? WHERE id = ? AND status IN ('running', 'finished')")
      .run(nowIso(), failure.error, failure.step ?? null, run),
  );
}
