/**
 * What is written about a run besides its metrics: its parameters (typed,
 * see param-codec.ts), its tags and its free-text note. Names and values are
 * checked before the write, so a refused one leaves the run as it was.
 */
import { TrackingError } from "../errors";
import type { StoreConnection } from "./connection";
import { encodeParam } from "./param-codec";
import { checkName, checkValueSize } from "./value-checks";
import type { ParamValue, RunId } from "./types";

export function logParams(conn: StoreConnection, run: RunId, params: Readonly<Record<string, ParamValue>>): void {
  const insert = conn.db.prepare(
    "INSERT INTO params (run_id, key, type, value) VALUES (?, ?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET type = excluded.type, value = excluded.value",
  );
  const rows = Object.entries(params).map(([key, value]) => [key, ...encodeParam(key, value)] as const);
  conn.write(`record parameters of run ${run}`, () => {
    for (const [key, type, text] of rows) insert.run(run, key, type, text);
  });
}

export function setTag(conn: StoreConnection, run: RunId, key: string, value: string): void {
  if (key === "") throw new TrackingError("invalid tag name: an empty string");
  checkName("tag", key);
  checkValueSize(`tag "${key}"`, String(value));
  conn.write(`tag run ${run}`, () => {
    conn.requireRun(run);
    conn.stmt("INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value").run(run, key, value);
  });
}

export function setNote(conn: StoreConnection, run: RunId, note: string | null): void {
  if (note !== null) checkValueSize("the note", note);
  conn.write(`set the note of run ${run}`, () => {
    conn.requireRun(run);
    conn.stmt("UPDATE runs SET note = ? WHERE id = ?").run(note, run);
  });
}
