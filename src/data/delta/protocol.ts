/**
 * What pipelab's Delta reader and writer implement, and the refusal of a
 * table that needs more: the protocol versions and table features, column
 * mapping, deletion vectors, append-only tables and column invariants.
 */
import { DataError } from "../../errors";
import type { Snapshot } from "./snapshot";
import { tableName } from "./errors";

/** The reader protocol version implemented: plain Parquet files, named by their columns. */
export const READER_VERSION = 1;
/** The writer protocol version implemented: version 1, and respecting append-only tables (invariants are refused). */
export const WRITER_VERSION = 2;

/**
 * Reader features (protocol version 3) that change nothing for this reader:
 * timestamps without time zone are read as Parquet holds them, and the
 * VACUUM check is for writers that delete files.
 */
const HARMLESS_READER_FEATURES: readonly string[] = ["timestampNtz", "vacuumProtocolCheck"];

const ADVICE = "read it with a Delta engine that supports that (Spark, or the deltalake Python package), or have one write a copy without it";

/** Throws a DataError naming the table and what it needs, unless pipelab can read it as is. */
export function checkReadable(snapshot: Snapshot): void {
  const { protocol, metadata } = snapshot;
  const at = `${tableName(snapshot.log.table)} (version ${snapshot.version})`;
  const version = protocol.minReaderVersion;
  if (version === 2) throw new DataError(`${at} needs a reader of Delta protocol version 2 (column mapping); pipelab reads protocol version ${READER_VERSION}: ${ADVICE}`);
  if (version === 3) {
    const unsupported = (protocol.readerFeatures ?? []).filter((f) => !HARMLESS_READER_FEATURES.includes(f));
    if (unsupported.length > 0) {
      throw new DataError(`${at} needs a reader of the Delta table features ${unsupported.map((f) => JSON.stringify(f)).join(", ")}, which pipelab's reader does not implement: ${ADVICE}`);
    }
  } else if (version > READER_VERSION) {
    throw new DataError(`${at} needs a reader of Delta protocol version ${version}; pipelab reads protocol version ${READER_VERSION}: ${ADVICE}`);
  }
  const mapping = metadata.configuration["delta.columnMapping.mode"];
  if (mapping !== undefined && mapping !== "none") {
    throw new DataError(`${at} uses column mapping (delta.columnMapping.mode = ${JSON.stringify(mapping)}): its files name columns by ids, which pipelab's reader does not map back; ${ADVICE}`);
  }
  if (metadata.format.provider.toLowerCase() !== "parquet") {
    throw new DataError(`${at} stores its data as ${JSON.stringify(metadata.format.provider)}, not Parquet: pipelab's Delta reader reads Parquet tables only`);
  }
  for (const add of snapshot.files.values()) {
    if (add.deletionVector !== undefined) {
      throw new DataError(
        `${at} has deletion vectors (rows deleted without rewriting their file, e.g. ${JSON.stringify(add.path)}), which pipelab's reader does not apply: reading the files whole would bring deleted rows back; ${ADVICE} (in Spark: REORG TABLE ... APPLY (PURGE))`,
      );
    }
  }
}

/** Throws a DataError unless pipelab may commit to the table: readable, and of writer protocol 2 at most. */
export function checkWritable(snapshot: Snapshot, overwrite: boolean): void {
  checkReadable(snapshot);
  const at = `${tableName(snapshot.log.table)} (version ${snapshot.version})`;
  const version = snapshot.protocol.minWriterVersion;
  if (version > WRITER_VERSION) {
    const features = snapshot.protocol.writerFeatures === undefined ? "" : ` (features ${snapshot.protocol.writerFeatures.map((f) => JSON.stringify(f)).join(", ")})`;
    throw new DataError(`${at} needs a writer of Delta protocol version ${version}${features}; pipelab writes protocol version ${WRITER_VERSION}: write it with a Delta engine that supports that, or write a new table`);
  }
  if (overwrite && snapshot.metadata.configuration["delta.appendOnly"] === "true") {
    throw new DataError(`${at} is append-only (delta.appendOnly = true): an overwrite would remove data; append instead, or write a new table`);
  }
  const invariants = snapshot.schemaFields.filter((f) => JSON.stringify(f).includes("delta.invariants"));
  if (invariants.length > 0) {
    throw new DataError(
      `${at} has column invariants (${invariants.map((f) => JSON.stringify(f.name)).join(", ")}), SQL conditions every row must meet, which pipelab's writer does not check: write it with a Delta engine that does`,
    );
  }
}
