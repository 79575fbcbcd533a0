/**
 * The crash sweep: runs left `running` by a process that no longer exists
 * are marked `crashed` when a store is opened for writing. Whether a run's
 * process is gone is process-owner.ts's rule; this reads the candidates and
 * writes the verdicts.
 */
import type { StoreConnection } from "./connection";
import { localProbe, ownerIsGone } from "./process-owner";

/**
 * A run on another host whose heartbeat is older than this is taken for
 * crashed; so is a local run whose pid lives where /proc cannot tell whether
 * it is still the run's process (see markCrashedRuns).
 */
export const STALE_HEARTBEAT_MS = 10 * 60_000;

/** A `running` run's owner, as its row records it. */
interface OwnerRow {
  id: number;
  pid: number;
  host: string;
  heartbeat_at: string;
  pid_start_ticks: number | null;
  boot_id: string | null;
}

/** Marks as crashed the running runs whose process is gone; returns how many. */
export function markCrashedRuns(conn: StoreConnection): number {
  const candidates = conn.db.prepare("SELECT id, pid, host, heartbeat_at, pid_start_ticks, boot_id FROM runs WHERE status = 'running'").all() as OwnerRow[];
  const probe = localProbe();
  const dead = candidates.filter((r) =>
    ownerIsGone({ pid: r.pid, host: r.host, heartbeatAt: r.heartbeat_at, startTicks: r.pid_start_ticks, bootId: r.boot_id }, probe, STALE_HEARTBEAT_MS),
  );
  if (dead.length === 0) return 0;
  const mark = conn.db.prepare(
    "UPDATE runs SET status = 'crashed', ended_at = heartbeat_at, error = 'the process running it ended without closing the run' WHERE id = ? AND status = 'running'",
  );
  conn.write("mark crashed runs", () => {
    for (const r of dead) mark.run(r.id);
  });
  return dead.length;
}
