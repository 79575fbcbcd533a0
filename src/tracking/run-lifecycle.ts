/**
 * A run's life in the runs table: started `running` by a process that
 * records who it is (host, pid, start time, boot), kept alive by heartbeats,
 * ended once (finished, failed, killed), or marked failed afterwards by the
 * process that saw it fail. The crash sweep (crash-sweep.ts) ends the runs
 * whose process died without ending them.
 */
import { TrackingError } from "../errors";
import { nowIso } from "./connection";
import type { StoreConnection } from "./connection";
import { RUN_INSERT_COLUMNS, placeholders, runValues } from "./row-values";
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
  const values = runValues(experiment, init, nowIso());
  const info = conn.write(`start a run of experiment ${JSON.stringify(init.experiment)}`, () =>
    conn.db.prepare(`INSERT INTO runs (status, ${RUN_INSERT_COLUMNS.join(", ")}) VALUES ('running', ${placeholders(values.length, "sqlite")})`).run(...values),
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
