/** The artifacts table: charts, models and files recorded with a run, in the order they were recorded. */
import { nowIso } from "./connection";
import type { StoreConnection } from "./connection";
import type { ArtifactInit, ArtifactRecord, RunId } from "./types";

export function recordArtifact(conn: StoreConnection, run: RunId, artifact: ArtifactInit): void {
  conn.write(`record artifact ${JSON.stringify(artifact.name)} of run ${run}`, () =>
    conn.db
      .prepare("INSERT INTO artifacts (run_id, name, kind, cache_key, path, created_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(run, artifact.name, artifact.kind, artifact.cacheKey ?? null, artifact.path ?? null, nowIso()),
  );
}

interface ArtifactRow {
  name: string;
  kind: string;
  cache_key: string | null;
  path: string | null;
  created_at: string;
}

export function listArtifacts(conn: StoreConnection, run: RunId): ArtifactRecord[] {
  const rows = conn.stmt("SELECT name, kind, cache_key, path, created_at FROM artifacts WHERE run_id = ? ORDER BY id").all(run) as ArtifactRow[];
  return rows.map((a) => ({ name: a.name, kind: a.kind, cacheKey: a.cache_key, path: a.path, createdAt: a.created_at }));
}
