/**
 * Delta Lake tables, read and written by hand on pipelab's DuckDB (DuckDB's
 * own `delta` extension needs a download): reader protocol 1, writer
 * protocol 2, time travel, checkpoints (classic and multi-part), exclusive
 * commits. See PROTOCOL.md in github.com/delta-io/delta.
 */
export { readDelta } from "./read";
export type { ReadDeltaOptions } from "./read";
export { writeDelta } from "./write";
export type { WriteDeltaOptions, WrittenDelta } from "./write";
export { deltaHistory, deltaVersion } from "./history";
export type { DeltaCommit } from "./history";
export { DeltaConflictError } from "./errors";
export { deltaFingerprint } from "./fingerprint";
